#!/usr/bin/env bash
# Builds the libFuzzer harness for the .umk and safetensors parsers and runs it.
#   Fuzz/run.sh [SECONDS]     (default 60)
# Needs swiftc with -sanitize=fuzzer (the Linux toolchain ships libFuzzer), libzstd, openblas.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=Fuzz/.build
mkdir -p "$out" Fuzz/corpus
flags=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 5 -I "$out/CUnmaskKernels")
source Fuzz/c-kernels.sh
build_c_kernels "$out"
# UnmaskKernels (DType, TensorView, ...) as a static library the harness links against.
swiftc "${flags[@]}" -emit-module -emit-library -static -module-name UnmaskKernels \
  -I Sources/CBLAS $(find Sources/UnmaskKernels -name '*.swift') -emit-module-path "$out/UnmaskKernels.swiftmodule" \
  -o "$out/libUnmaskKernels.a"
# UnmaskFormats plus the harness in one module, so internal parsers are reachable.
swiftc "${flags[@]}" -module-name UnmaskFormats -I "$out" -I Sources/CZstd -I Sources/CBLAS \
  $(find Sources/UnmaskFormats -name '*.swift') Fuzz/UMKFuzz.swift \
  -L "$out" -lUnmaskKernels -lCUnmaskKernels -lzstd -lopenblas -o "$out/umk-fuzz"
# Seeds: the committed fixtures (as whole files and as a header), a safetensors file, a Huffman
# stream; added to an existing corpus when missing.
python3 - <<'PY'
import struct
umk = open("Tests/Fixtures/umk/tiny.umk", "rb").read()
hoff, hlen = struct.unpack_from("<QQ", umk, 16)
open("Fuzz/corpus/preamble", "wb").write(b"\x00" + umk[:64])
open("Fuzz/corpus/header", "wb").write(b"\x01" + umk[hoff:hoff + hlen])
whole = bytearray(umk); whole[16:18] = struct.pack("<H", hlen)
open("Fuzz/corpus/file", "wb").write(b"\x02" + bytes(whole))
open("Fuzz/corpus/safetensors", "wb").write(b"\x04" + open("Tests/Fixtures/umk/tiny.safetensors", "rb").read())
open("Fuzz/corpus/gguf", "wb").write(b"\x06" + open("Tests/Fixtures/gguf/types.gguf", "rb").read())
huffman = bytearray(open("Tests/Fixtures/umk/tiny-huffman.umk", "rb").read())
hoff, hlen = struct.unpack_from("<QQ", huffman, 16)
huffman[16:18] = struct.pack("<H", hlen)
open("Fuzz/corpus/file-huffman", "wb").write(b"\x02" + bytes(huffman))
# "abracadabra, abracadabra!" (25 bytes: count byte 0 gives 1 symbol; the stream still seeds
# the table and segment parsing), the stream pinned by HuffmanTests.
open("Fuzz/corpus/huffman", "wb").write(bytes([5, 0]) + bytes.fromhex(
    "20725500000000000400000000000000000000000000000000000000000000000000104304000000"
    "0000000303000000030000000300000052eb0052f300a97500a90f"))
PY
"$out/umk-fuzz" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 Fuzz/corpus 2>&1 | grep -vE "^(#[0-9]+ +(NEW|REDUCE|pulse)|\"|###)" | tail -15
