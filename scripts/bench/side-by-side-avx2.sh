#!/bin/bash
# Side by side with llama.cpp as on an AVX2-only CPU (issue 29's item 1), on a machine that has
# AVX-512: llama.cpp built with AVX-512 off (GGML_NATIVE=OFF, AVX2/FMA/F16C on) against Unmask
# forced onto its AVX2 kernels (`--kernel avx2`), on side-by-side.sh's shape and weights (the
# 120M bench model as bf16, f32 and q8_0). The figures are side-by-side.sh's: llama.cpp's ms per
# forward pass (the median gap between its step lines) and Unmask's `generate --json` seconds per
# step, in one run; q4_0 and q4_k_m (llama-quantize's files, read by both engines) where the
# native build's llama-quantize is there to make them. On an AVX2-only CPU side-by-side.sh
# measures the same thing natively.
#
# Usage: scripts/bench/side-by-side-avx2.sh [WORK_DIR]
#   WORK_DIR  side-by-side.sh's work folder (its llama.cpp source in src/, the bench model and
#             its GGUFs; run side-by-side.sh once first). The AVX2 build goes to src/build-avx2.
#   UNMASK, THREADS (default 2), STEPS (default 128), PY: as side-by-side.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-llamacpp}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
THREADS=${THREADS:-2}
STEPS=${STEPS:-128}
PY=${PY:-python3}
[[ -x $UNMASK ]] || { echo "side-by-side-avx2.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
[[ -d $W/src ]] || { echo "side-by-side-avx2.sh: no llama.cpp source in $W/src (run side-by-side.sh first)" >&2; exit 1; }
CLI=$W/src/build-avx2/bin/llama-diffusion-cli
if [[ ! -x $CLI ]]; then
  cmake -S "$W/src" -B "$W/src/build-avx2" -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON \
    -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF \
    -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$W/src/build-avx2" -j2 --target llama-diffusion-cli >/dev/null
fi
M=$W/bench-llada-118m
F32=$W/bench-llada-118m-f32
Q8=$W/unmask-q8_0.umk
for f in "$M/model.safetensors" "$F32/model.safetensors" "$Q8" "$W/model-bf16.gguf" \
  "$W/model-f32.gguf" "$W/model-q8_0.gguf"; do
  [[ -f $f ]] || { echo "side-by-side-avx2.sh: no $f (run side-by-side.sh first)" >&2; exit 1; }
done

source "$repo/scripts/bench/side-by-side-lib.sh"
machine_line
echo "Both engines on AVX2 only: llama.cpp built without AVX-512, Unmask --kernel avx2."
echo "| weights | llama.cpp ms/forward | Unmask ms/step | llama.cpp / Unmask (>1: Unmask faster) |"
echo "|---|---|---|---|"
# The 4-bit types: llama.cpp's own quantizer makes them from the bf16 GGUF, and both engines
# read that one file.
QUANTIZE=$W/src/build/bin/llama-quantize
for t in q4_0 q4_k_m; do
  [[ -f $W/model-$t.gguf || ! -x $QUANTIZE ]] ||
    "$QUANTIZE" "$W/model-bf16.gguf" "$W/model-$t.gguf" "$t" "$THREADS" >/dev/null 2>&1
done
for t in bf16 f32 q8_0 q4_0 q4_k_m; do
  case $t in bf16) model=$M ;; f32) model=$F32 ;; q8_0) model=$Q8 ;; *) model=$W/model-$t.gguf ;; esac
  [[ -f $W/model-$t.gguf ]] || continue
  # llama.cpp's canvas of 160 is five blocks of 32: its step count must be a multiple of 5
  # (llamacpp_anchor.sh runs 160); the figure is per forward pass either way.
  ratio_row "$t" "$(llama_forward_ms "$CLI" "$W/model-$t.gguf" 160)" \
    "$(unmask_step_ms "$model" "$STEPS" --kernel avx2)"
done
