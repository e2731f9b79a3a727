#!/bin/bash
# GGUF K-quants side by side with llama.cpp (issue 28): the anchor's 120M LLaDA
# (../shared/bench/llamacpp_anchor.sh: d 1024, 8 layers, 16 heads, MLP 2816, vocabulary 8192),
# its f32 GGUF quantized by llama.cpp's own `llama-quantize Q4_K_M` (Q4_K and Q6_K blocks), and
# both engines reading that one file with the same threads on the anchor's 160-token canvas:
#   - llama.cpp: llama-diffusion-cli's ms per forward pass (the median gap between its step lines);
#   - Unmask, one forward pass over all 160 rows (`unmask bench forward`, best of 5), and what a
#     user sees: `unmask generate --json` seconds / steps (128 steps, blocks of 32).
#
# Usage: scripts/bench/side-by-side-gguf.sh [WORK_DIR]
#   WORK_DIR   the anchor's work folder (llama.cpp build, model, GGUFs; default as the anchor's)
#   UNMASK_ANCHOR, UNMASK, PY, THREADS as for side-by-side.sh; TYPES: llama-quantize types
#   (default "Q4_K_M")
# Run it on a quiet machine. Nothing is written inside the checkout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-llamacpp}
ANCHOR=${UNMASK_ANCHOR:-$repo/../shared/bench/llamacpp_anchor.sh}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
PY=${PY:-python3}
THREADS=${THREADS:-2}
TYPES=${TYPES:-Q4_K_M}
[[ -x $UNMASK ]] || { echo "side-by-side-gguf.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
# The anchor builds llama.cpp and writes the f32 GGUF (timing f32 alone, the quickest).
if [[ ! -f $W/model-f32.gguf || ! -x $W/src/build/bin/llama-quantize ]]; then
  [[ -f $ANCHOR ]] || { echo "side-by-side-gguf.sh: UNMASK_ANCHOR: no file $ANCHOR" >&2; exit 2; }
  TYPES=f32 bash "$ANCHOR" "$W" >&2
fi
cli=$W/src/build/bin/llama-diffusion-cli
source "$repo/scripts/bench/side-by-side-lib.sh"
machine_line
echo "| weights (same GGUF) | llama.cpp ms/forward | Unmask ms | llama.cpp / Unmask (>1: Unmask faster) |"
echo "|---|---|---|---|"
for t in $TYPES; do
  f=$W/model-$(echo "$t" | tr 'A-Z' 'a-z').gguf
  [[ -f $f ]] || "$W/src/build/bin/llama-quantize" "$W/model-f32.gguf" "$f" "$t" >/dev/null 2>&1
  l=$(llama_forward_ms "$cli" "$f" 160)
  ratio_row "$t, Unmask forward pass, all 160 logit rows" "$l" "$(unmask_pass_ms "$f" 5)"
  ratio_row "$t, Unmask generate ms/step" "$l" "$(unmask_step_ms "$f" 128)"
done
# Unmask's own quantizer on the same weights (`convert --quantize q4_k_m`, from the anchor's
# safetensors): its blocks should be llama-quantize's, so the logits equal the GGUF's exactly;
# and that .umk exported as a GGUF (`unmask export own.umk own.gguf`) runs in
# llama-diffusion-cli to the same text as llama-quantize's file (same seed).
tokens=$(seq -s, 7 37 2400)
for t in $TYPES; do
  lower=$(echo "$t" | tr 'A-Z' 'a-z')
  case $lower in q4_k_m | q5_k_m) ;; *) continue ;; esac
  tmp=$(mktemp -d)
  "$UNMASK" convert "$W/bench-llada-118m" "$tmp/own.umk" --quantize "$lower" >/dev/null
  "$UNMASK" logits --model "$tmp/own.umk" --tokens "$tokens" --out "$tmp/own.npy" >/dev/null
  "$UNMASK" logits --model "$W/model-$lower.gguf" --tokens "$tokens" --out "$tmp/gguf.npy" >/dev/null
  "$PY" -c "import numpy as n,sys; a,b=n.load(sys.argv[1]),n.load(sys.argv[2]); print(f'$t: unmask convert --quantize $lower vs llama-quantize, logits over {a.shape[0]} rows: ' + ('bit-identical' if n.array_equal(a,b) else f'max |diff| {abs(a-b).max():.3g}'))" "$tmp/own.npy" "$tmp/gguf.npy"
  "$UNMASK" export "$tmp/own.umk" "$tmp/own.gguf" >/dev/null
  for g in "$tmp/own.gguf" "$W/model-$lower.gguf"; do
    "$cli" -m "$g" -p "$(printf 'word %.0s' $(seq 1 30))" -t "$THREADS" -c 96 -b 96 -ub 96 \
      --diffusion-steps 24 --diffusion-block-length 32 --temp 0 --seed 1 2>&1 | tail -1 | md5sum
  done | uniq | wc -l | sed "s/^1\$/$t: llama-diffusion-cli on unmask export's GGUF: the same text as on llama-quantize's/; s/^2\$/$t: llama-diffusion-cli on unmask export's GGUF: DIFFERENT text/"
  rm -rf "$tmp"
done
