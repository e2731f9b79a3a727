#!/bin/bash
# LLaDA-MoE side by side with llama.cpp at real size (issue 24): a random-weight checkpoint with
# LLaDA-MoE-7B-A1B's configuration (scripts/bench/llada-moe-7b-a1b/config.json; 7.4B weights,
# 1.4B active per token), converted to GGUF by llama.cpp's own convert_hf_to_gguf.py (bf16) and
# llama-quantize (q8_0). Both engines read the same two GGUF files, with the same threads, on
# a 160-token canvas (32 prompt, 128 masked, blocks of 32, 8 denoising steps):
#   - llama.cpp: llama-diffusion-cli's ms per forward pass (the median gap between its step
#     lines, as ../shared/bench/llamacpp_anchor.sh measures it);
#   - Unmask, what a user sees: `unmask generate --json` seconds / steps (sampler included);
#   - Unmask, one forward pass alone over all 160 rows of logits, as llama.cpp computes them:
#     `unmask bench forward` (best of 3).
#
# Usage: scripts/bench/side-by-side-moe.sh [WORK_DIR]
#   WORK_DIR   holds the checkpoint and its GGUFs (30 GB; default ~/.cache/unmask-moe-bench)
#   LLAMA_CPP  a llama.cpp source tree built by llamacpp_anchor.sh (default: the anchor's,
#              ~/.cache/unmask-llamacpp/src; build it with ../shared/bench/llamacpp_anchor.sh)
#   UNMASK     the unmask binary (default .build/release/unmask)
#   PY         python with torch, transformers, sentencepiece and numpy (for the converter)
#   THREADS    threads for both (default 2); TYPES: GGUF types (default "bf16 q8_0")
#   KEEP=1     keep the safetensors checkpoint after the bf16 GGUF is written
# Run it on a quiet machine. Nothing is written inside the checkout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-moe-bench}
LLAMA_CPP=${LLAMA_CPP:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-llamacpp/src}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
PY=${PY:-python3}
THREADS=${THREADS:-2}
TYPES=${TYPES:-bf16 q8_0}
cli=$LLAMA_CPP/build/bin/llama-diffusion-cli
[[ -x $cli ]] || { echo "side-by-side-moe.sh: no $cli (build llama.cpp with llamacpp_anchor.sh)" >&2; exit 2; }
[[ -x $UNMASK ]] || { echo "side-by-side-moe.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
mkdir -p "$W"

# 1. The checkpoint and its GGUFs, made once.
M=$W/llada-moe-7b-a1b
if [[ ! -f $W/model-bf16.gguf ]]; then
  [[ -f $M/model.safetensors ]] || $PY "$repo/scripts/bench/make_llada_moe.py" "$M" >&2
  $PY - "$LLAMA_CPP" "$M" "$W/model-bf16.gguf.tmp" <<'PYEOF' >&2
import sys
src, model, out = sys.argv[1:4]
sys.path.insert(0, src + "/gguf-py"); sys.path.insert(0, src)
import convert_hf_to_gguf as C
from conversion.base import TextModel
TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"   # the fixture's BPE is GPT-2 style
sys.argv = ["convert_hf_to_gguf.py", model, "--outfile", out, "--outtype", "bf16"]
C.main()
PYEOF
  mv "$W/model-bf16.gguf.tmp" "$W/model-bf16.gguf"
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$M"
fi
if [[ " $TYPES " == *" q8_0 "* && ! -f $W/model-q8_0.gguf ]]; then
  "$LLAMA_CPP/build/bin/llama-quantize" "$W/model-bf16.gguf" "$W/model-q8_0.gguf.tmp" q8_0 >&2
  mv "$W/model-q8_0.gguf.tmp" "$W/model-q8_0.gguf"
fi

# 2. Timings.
source "$repo/scripts/bench/side-by-side-lib.sh"
machine_line
echo "| weights (same GGUF) | llama.cpp ms/forward | Unmask ms | llama.cpp / Unmask (>1: Unmask faster) |"
echo "|---|---|---|---|"
for t in $TYPES; do
  l=$(llama_forward_ms "$cli" "$W/model-$t.gguf" 10)
  ratio_row "$t, Unmask generate ms/step" "$l" "$(unmask_step_ms "$W/model-$t.gguf" 8)"
  ratio_row "$t, Unmask forward pass, all 160 logit rows" "$l" \
    "$(unmask_pass_ms "$W/model-$t.gguf" 3)"
done
