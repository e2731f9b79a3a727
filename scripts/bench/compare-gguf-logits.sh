#!/bin/bash
# Issue 28's exactness for quantized GGUFs: on the anchor's 120M LLaDA (d 1024, 8 layers,
# vocabulary 8192), each engine's logits from each GGUF against its own logits from the f32
# GGUF, over one canvas of 65 ids; Unmask's quantized logits should stay within what
# llama.cpp's own show on the same file. llama.cpp's logits come from llama_logits.cpp (one
# non-causal decode, as a llama-diffusion-cli step), built here against the anchor's build.
#
# Usage: scripts/bench/compare-gguf-logits.sh [WORK_DIR]
#   WORK_DIR   the anchor's work folder (default as side-by-side-gguf.sh's); its model-<type>.gguf
#   TYPES      GGUF types (default "bf16 q8_0 q4_k_m"; made by llama-quantize when missing)
#   UNMASK, PY (numpy), THREADS as for side-by-side.sh; CXX (default g++)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-llamacpp}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
PY=${PY:-python3}
THREADS=${THREADS:-2}
TYPES=${TYPES:-bf16 q8_0 q4_k_m}
src=$W/src
[[ -f $W/model-f32.gguf && -f $src/build/bin/libllama.so ]] || {
  echo "compare-gguf-logits.sh: run ../shared/bench/llamacpp_anchor.sh $W first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CXX:-g++} -O2 -std=c++17 -I"$src/include" -I"$src/ggml/include" "$repo/scripts/bench/llama_logits.cpp" \
  -L"$src/build/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$src/build/bin" -o "$tmp/llama_logits"
ids=$(seq -s, 7 37 2400)
for t in f32 $TYPES; do
  f=$W/model-$t.gguf
  [[ -f $f ]] || "$src/build/bin/llama-quantize" "$W/model-f32.gguf" "$f" "$(echo "$t" | tr 'a-z' 'A-Z')" >/dev/null 2>&1
  "$tmp/llama_logits" "$f" "$ids" "$tmp/llama-$t.f32" "$THREADS" 2>/dev/null
  "$UNMASK" logits --model "$f" --tokens "$ids" --threads "$THREADS" --out "$tmp/unmask-$t.npy" >/dev/null
done
"$PY" - "$tmp" $TYPES <<'PYEOF'
import sys
import numpy as np
tmp, types = sys.argv[1], sys.argv[2:]
unmask = {t: np.load(f"{tmp}/unmask-{t}.npy") for t in ["f32"] + types}
vocab = unmask["f32"].shape[1]
llama = {t: np.fromfile(f"{tmp}/llama-{t}.f32", dtype=np.float32).reshape(-1, vocab)
         for t in ["f32"] + types}
def gap(a, b):
    d = np.abs(a.astype(np.float64) - b)
    return "%.4g / %.4g" % (d.max(), np.sqrt((d * d).mean()))
print(f"{unmask['f32'].shape[0]} rows x {vocab} logits; max |diff| / RMS diff")
print("| GGUF | llama.cpp vs its f32 | Unmask vs its f32 | Unmask vs llama.cpp, same file |")
print("|---|---|---|---|")
for t in ["f32"] + types:
    print(f"| {t} | {gap(llama[t], llama['f32'])} | {gap(unmask[t], unmask['f32'])} | {gap(unmask[t], llama[t])} |")
PYEOF
