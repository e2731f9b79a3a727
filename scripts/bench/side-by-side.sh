#!/bin/bash
# Side by side with llama.cpp on the issue's shape (#14): llama.cpp's ms per forward pass
# (llamacpp_anchor.sh: the median gap between its step lines on a 160-token canvas) against
# what a user of Unmask sees, `unmask generate ... --json` seconds / steps (sampler included),
# on the same weights: the anchor's bf16 safetensors as is, widened to f32, and quantized to
# q8_0 by `unmask convert`; bf16 also on the opt-in `--kernel avx512-bf16` (inexact).
#
# Usage: scripts/bench/side-by-side.sh [WORK_DIR]
#   WORK_DIR       the anchor's work folder (llama.cpp build, model, GGUFs; default as the anchor)
#   UNMASK_ANCHOR  path of llamacpp_anchor.sh (default: ../shared/bench/ beside this checkout)
#   UNMASK         the unmask binary (default: .build/release/unmask; build it first with
#                  `swift build -c release --product unmask`)
#   THREADS        threads for both (default 2); STEPS: Unmask's steps (default 128, the issue's)
#   SKIP_ANCHOR=1  reuse the llama.cpp figures of the last run (WORK_DIR/anchor.txt); TYPES:
#                  the GGUF types the anchor times (default "f32 bf16 q8_0")
# Run it on a quiet machine: wall times on a loaded one measure the load. Nothing is written
# inside the checkout; llama.cpp and its outputs stay in WORK_DIR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-llamacpp}
ANCHOR=${UNMASK_ANCHOR:-$repo/../shared/bench/llamacpp_anchor.sh}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
THREADS=${THREADS:-2}
STEPS=${STEPS:-128}
PY=${PY:-python3}
[[ -f $ANCHOR ]] || { echo "side-by-side.sh: UNMASK_ANCHOR: no file $ANCHOR" >&2; exit 2; }
[[ -x $UNMASK ]] || { echo "side-by-side.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
mkdir -p "$W"

# 1. llama.cpp (builds it, makes the model and its GGUFs on the first run).
if [[ ${SKIP_ANCHOR:-0} != 1 ]]; then
  echo "llama.cpp: $ANCHOR $W" >&2
  TYPES="${TYPES:-f32 bf16 q8_0}" bash "$ANCHOR" "$W" | tee "$W/anchor.txt.tmp" >&2
  mv "$W/anchor.txt.tmp" "$W/anchor.txt"
fi
llama_ms() { sed -n "s/^llama.cpp $1: \([0-9.]*\) ms per forward$/\1/p" "$W/anchor.txt"; }

# 2. The same weights for Unmask: bf16 as made, f32 widened exactly, q8_0 by convert.
M=$W/bench-llada-118m
[[ -f $M/model.safetensors ]] || { echo "side-by-side.sh: no $M/model.safetensors" >&2; exit 1; }
F32=$W/bench-llada-118m-f32
if [[ ! -f $F32/model.safetensors ]]; then
  rm -rf "$F32.tmp" && mkdir -p "$F32.tmp"
  cp "$M"/*.json "$F32.tmp"/
  $PY - "$M/model.safetensors" "$F32.tmp/model.safetensors" <<'PYEOF'
import sys
from safetensors.torch import load_file, save_file
save_file({k: v.float().contiguous() for k, v in load_file(sys.argv[1]).items()}, sys.argv[2])
PYEOF
  mv "$F32.tmp" "$F32"
fi
[[ -f $W/unmask-q8_0.umk ]] || "$UNMASK" convert "$M" "$W/unmask-q8_0.umk" --quantize q8_0 >&2

# 3. What a user sees: seconds / steps of `unmask generate`, the issue's command.
source "$repo/scripts/bench/side-by-side-lib.sh"
machine_line
echo "| weights | llama.cpp ms/forward | Unmask ms/step | llama.cpp / Unmask (>1: Unmask faster) |"
echo "|---|---|---|---|"
ratio_row "bf16" "$(llama_ms bf16)" "$(unmask_step_ms "$M" "$STEPS")"
ratio_row "bf16, Unmask --kernel avx512-bf16 (inexact)" "$(llama_ms bf16)" \
  "$(unmask_step_ms "$M" "$STEPS" --kernel avx512-bf16)"
ratio_row "f32" "$(llama_ms f32)" "$(unmask_step_ms "$F32" "$STEPS")"
ratio_row "q8_0" "$(llama_ms q8_0)" "$(unmask_step_ms "$W/unmask-q8_0.umk" "$STEPS")"
