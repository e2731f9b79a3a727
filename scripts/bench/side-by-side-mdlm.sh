#!/bin/bash
# Issue 26's speed check, in one run: MDLM's own sampler (PyTorch, on the CPU) against
# `unmask generate --preset mdlm` on the same random mdlm-owt-shaped checkpoint (hidden 768,
# 12 blocks, 12 heads, cond 128, 1024 positions, vocabulary 50258; 170M parameters, f32),
# same threads, `--steps 128`, one unconditional sample of 1024 tokens each, seconds per
# sample as each side reports it (model loading excluded on both).
#
# Usage: MDLM_DIR=/path/to/mdlm-export scripts/bench/side-by-side-mdlm.sh
#   MDLM_DIR    an export of kuleshov-group/mdlm (see scripts/bench/mdlm_reference_sampler.py)
#   PYTHON      a python with torch, lightning, torchmetrics, hydra-core, transformers, einops,
#               safetensors (default python3)
#   UNMASK      the unmask binary (default .build/release/unmask)
#   CHECKPOINT  where the random checkpoint is made or found (default /tmp/mdlm-owt-random)
#   THREADS (2), STEPS (128), SAMPLES (1: samples per side; the median is reported)
#   QUANTIZE    also time Unmask on a q8_0 copy of the checkpoint (default yes)
# Prints each side's JSON line, then the ratios and the CPU.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
CHECKPOINT=${CHECKPOINT:-/tmp/mdlm-owt-random}
THREADS=${THREADS:-2}
STEPS=${STEPS:-128}
SAMPLES=${SAMPLES:-1}
QUANTIZE=${QUANTIZE:-yes}
[[ -x $UNMASK ]] || { echo "side-by-side-mdlm.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
[[ -n ${MDLM_DIR:-} ]] || { echo "side-by-side-mdlm.sh: MDLM_DIR is not set" >&2; exit 2; }

write=()
[[ -f $CHECKPOINT/model.safetensors ]] || write=(--write)
reference=$("$PYTHON" "$repo/scripts/bench/mdlm_reference_sampler.py" --checkpoint "$CHECKPOINT" \
  "${write[@]}" --threads "$THREADS" --steps "$STEPS" --samples "$SAMPLES" 2>/dev/null | tail -1)
echo "reference: $reference"

# Unmask: the same unconditional canvas, the preset's ddpm_cache sampler, its own generator.
unmask_seconds() {
  local model=$1 all=()
  for ((i = 0; i < SAMPLES; i++)); do
    line=$("$UNMASK" generate --model "$model" --preset mdlm --steps "$STEPS" --length 1024 \
      --prompt '' --seed $((1024 + i)) --threads "$THREADS" --json)
    all+=("$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' <<<"$line")")
    passes=$(sed -n 's/.*"forward_passes":\([0-9]*\).*/\1/p' <<<"$line")
  done
  printf '%s\n' "${all[@]}" | sort -g | awk -v p="$passes" '{ a[NR] = $1 } END {
    m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f %s\n", m, p }'
}
read -r f32 f32_passes < <(unmask_seconds "$CHECKPOINT")
echo "unmask f32: $f32 s per sample, $f32_passes forward passes"
ref=$(sed -n 's/.*"seconds_per_sample": \([0-9.]*\).*/\1/p' <<<"$reference")
ratio() { awk -v r="$ref" -v u="$1" 'BEGIN { printf "%.2fx", r / u }'; }
echo "reference / unmask f32: $(ratio "$f32")"
if [[ $QUANTIZE == yes ]]; then
  q8=${CHECKPOINT%/}-q8_0.umk
  [[ -f $q8 ]] || "$UNMASK" convert "$CHECKPOINT" "$q8" --quantize q8_0 >/dev/null
  read -r q8s _ < <(unmask_seconds "$q8")
  echo "unmask q8_0: $q8s s per sample"
  echo "reference / unmask q8_0: $(ratio "$q8s")"
fi
source "$repo/scripts/bench/side-by-side-lib.sh"
echo "machine: $(machine_line)"
