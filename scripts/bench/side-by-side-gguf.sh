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
llama_ms() {  # GGUF
  local prompt; prompt=$(printf 'word %.0s' $(seq 1 30))
  "$cli" -m "$1" -p "$prompt" -t "$THREADS" -c 160 -b 160 -ub 160 --diffusion-steps 160 \
    --diffusion-block-length 32 --temp 0 2>&1 | $PY -c '
import re, sys
raw = sys.stdin.read()
ts = [(int(m[4]), int(m[0]) * 60 + int(m[1]) + int(m[2]) / 1e3 + int(m[3]) / 1e6)
      for m in re.findall(r"(\d+)\.(\d+)\.(\d+)\.(\d+) I \s*diffusion step: (\d+)/", raw)]
d = sorted(b[1] - a[1] for a, b in zip(ts, ts[1:]) if b[0] == a[0] + 1)
print("%.1f" % (1000 * d[len(d) // 2]) if d else "")'
}
unmask_pass_ms() {  # GGUF
  local kernel=avx2
  grep -q avx512f /proc/cpuinfo && kernel=avx512
  "$UNMASK" bench forward --model "$1" --tokens 160 --logit-rows 0 --repetitions 5 \
    --kernels "$kernel" --threads "$THREADS" | sed -n 's/.* \([0-9.]*\) ms\/pass .*/\1/p' | head -1
}
ids=$(seq -s, 100 131)
unmask_step_ms() {  # GGUF
  "$UNMASK" generate --model "$1" --preset llada --prompt-tokens "$ids" --length 128 --steps 128 \
    --block-length 32 --strategy confidence --temperature 0 --threads "$THREADS" --json |
    $PY -c "import json, sys; r = json.load(sys.stdin); print('%.1f' % (1000 * r['seconds'] / r['steps']))"
}
row() {  # LABEL LLAMA_MS UNMASK_MS
  $PY -c "import sys
label, l, u = sys.argv[1:4]
ratio = '%.2fx' % (float(l) / float(u)) if l and u else '-'
print('| %s | %s | %s | %s |' % (label, l or '-', u or '-', ratio))" "$@"
}
echo "$(date -u +%FT%TZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $THREADS threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| weights (same GGUF) | llama.cpp ms/forward | Unmask ms | llama.cpp / Unmask (>1: Unmask faster) |"
echo "|---|---|---|---|"
for t in $TYPES; do
  f=$W/model-$(echo "$t" | tr 'A-Z' 'a-z').gguf
  [[ -f $f ]] || "$W/src/build/bin/llama-quantize" "$W/model-f32.gguf" "$f" "$t" >/dev/null 2>&1
  l=$(llama_ms "$f")
  row "$t, Unmask forward pass, all 160 logit rows" "$l" "$(unmask_pass_ms "$f")"
  row "$t, Unmask generate ms/step" "$l" "$(unmask_step_ms "$f")"
done
