# Sourced by the fuzz scripts: builds the C kernels UnmaskKernels calls into $1 with ASan
# (each wide function carries its own target attribute, so plain x86-64 flags build them all),
# with a module map for `import CUnmaskKernels`. Skipped when no C source is newer than the
# library.
build_c_kernels() {
  local out="$1"
  if [ -f "$out/libCUnmaskKernels.a" ] \
    && [ -z "$(find Sources/CUnmaskKernels -name '*.[ch]' -newer "$out/libCUnmaskKernels.a")" ]; then
    return
  fi
  mkdir -p "$out/CUnmaskKernels"
  for c in Sources/CUnmaskKernels/*.c; do
    clang -O2 -fsanitize=address -I Sources/CUnmaskKernels/include -c "$c" \
      -o "$out/CUnmaskKernels/$(basename "$c" .c).o"
  done
  ar rcs "$out/libCUnmaskKernels.a" "$out"/CUnmaskKernels/*.o
  printf 'module CUnmaskKernels {\n  header "%s"\n  export *\n}\n' \
    "$PWD/Sources/CUnmaskKernels/include/unmask_kernels.h" >"$out/CUnmaskKernels/module.modulemap"
}
