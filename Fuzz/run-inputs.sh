#!/usr/bin/env bash
# Builds the libFuzzer harness for the text inputs a user feeds Unmask (Fuzz/InputsFuzz.swift:
# tokenizer.json, tokenizer_config.json and chat templates, LLaDA/Dream config.json, trace
# folders, settings objects) and runs it.
#   Fuzz/run-inputs.sh [SECONDS] [extra libFuzzer flags, e.g. -runs=N]     (default 60 s)
# Needs swiftc with -sanitize=fuzzer (the Linux toolchain ships libFuzzer), clang, libzstd,
# openblas, libpng. Build outputs in Fuzz/.build-inputs, corpus in Fuzz/corpus-inputs (ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
out=Fuzz/.build-inputs
corpus=Fuzz/corpus-inputs
mkdir -p "$out/CPNG" "$corpus"
flags=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 5 -I "$out"
  -I "$out/CUnmaskKernels")

# module NAME SOURCES-DIR [extra swiftc flags]: a static library and its .swiftmodule, rebuilt
# only when a source in SOURCES-DIR is newer than the library (or the library is missing).
module() {
  local name="$1" dir="$2"
  shift 2
  if [ -f "$out/lib$name.a" ] && [ -z "$(find "$dir" -name '*.swift' -newer "$out/lib$name.a")" ]; then
    return
  fi
  swiftc "${flags[@]}" "$@" -emit-module -emit-library -static -module-name "$name" \
    $(find "$dir" -name '*.swift') -emit-module-path "$out/$name.swiftmodule" -o "$out/lib$name.a"
}
# libpng's C shim, as SwiftPM builds it, with a module map for `import CPNG`.
if [ ! -f "$out/libCPNG.a" ] || [ Sources/CPNG/cpng.c -nt "$out/libCPNG.a" ]; then
  clang -O1 -fsanitize=address -c Sources/CPNG/cpng.c -I Sources/CPNG/include -o "$out/cpng.o"
  ar rcs "$out/libCPNG.a" "$out/cpng.o"
fi
printf 'module CPNG {\n  header "%s"\n  export *\n}\n' "$PWD/Sources/CPNG/include/cpng.h" \
  >"$out/CPNG/module.modulemap"
source Fuzz/c-kernels.sh
build_c_kernels "$out"
module UnmaskKernels Sources/UnmaskKernels -I Sources/CBLAS
module UnmaskFormats Sources/UnmaskFormats -I Sources/CZstd -I Sources/CBLAS
module UnmaskModels Sources/UnmaskModels -I Sources/CZstd -I Sources/CBLAS
module UnmaskTokenizer Sources/UnmaskTokenizer -I Sources/CBLAS
module UnmaskSampling Sources/UnmaskSampling -I Sources/CBLAS
module UnmaskTrace Sources/UnmaskTrace -I Sources/CBLAS -I "$out/CPNG"
# (ld.gold warns about every ASan-local symbol it cannot export; those lines are dropped.)
swiftc "${flags[@]}" -module-name InputsFuzz -I Sources/CZstd -I Sources/CBLAS -I "$out/CPNG" \
  Fuzz/InputsFuzz.swift -L "$out" -lUnmaskTrace -lUnmaskSampling -lUnmaskModels \
  -lUnmaskFormats -lUnmaskTokenizer -lUnmaskKernels -lCUnmaskKernels -lCPNG -lzstd -lopenblas -lpng16 \
  -o "$out/inputs-fuzz" 2>&1 | { grep -v "Cannot export local symbol" || true; }

# Seeds (target byte first): every fixture tokenizer.json under 128 KB, the model fixtures'
# tokenizer_config.json and chat templates, their config.json, a recorded trace, some text.
python3 - "$corpus" <<'PY'
import glob, json, os, struct, sys
corpus = sys.argv[1]
def seed(name, target, data):
    path = os.path.join(corpus, "seed-" + name)
    if not os.path.exists(path):
        open(path, "wb").write(bytes([target]) + data)
for path in sorted(glob.glob("Tests/Fixtures/tokenizers/*/tokenizer.json") + glob.glob("Tests/Fixtures/tiny-*/tokenizer.json")):
    data = open(path, "rb").read()
    if len(data) <= 131072:
        seed("tokenizer-" + path.split("/")[-2], 0, data)
for path in sorted(glob.glob("Tests/Fixtures/tiny-*/tokenizer_config.json")):
    data = open(path, "rb").read()
    seed("tokenizer-config-" + path.split("/")[-2], 1, data)
    config = json.loads(data)
    if config.get("chat_template"):
        bos = config.get("bos_token") or ""
        bos = bos if isinstance(bos, str) else bos.get("content", "")
        seed("chat-template-" + path.split("/")[-2], 2, (bos + "\0" + config["chat_template"]).encode())
for path in sorted(glob.glob("Tests/Fixtures/tiny-*/config.json")):
    seed("config-" + path.split("/")[-2], 3, open(path, "rb").read())
parts = [open("Fuzz/seeds/trace/" + n, "rb").read() for n in ("run.json", "trace.jsonl", "state.npy", "confidence.npy", "entropy.npy")]
seed("trace", 4, struct.pack("<5H", *[len(p) for p in parts]) + b"".join(parts))
seed("settings", 5, json.dumps(json.load(open("Fuzz/seeds/trace/run.json"))["settings"]).encode())
seed("text", 6, "Hello, wörld! 123 <|mdm_mask|> <|eot_id|> \u00e9\u0301 漢字 🙂\n".encode())
PY
# UNMASK_FUZZ_TARGET=N (0-6, see Fuzz/README.md) pins every input to one target.
# Fuzz/lsan.supp: a toolchain leak (empty-file reads in FoundationEssentials), not Unmask's.
LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
  UNMASK_FUZZ_TOKENIZER="$PWD/Tests/Fixtures/tiny-llada" "$out/inputs-fuzz" \
  -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 -timeout=20 \
  -print_final_stats=1 "$@" "$corpus" 2>&1 \
  | grep -vE "^(#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|\"|###)|Cannot export local symbol" | tail -15
