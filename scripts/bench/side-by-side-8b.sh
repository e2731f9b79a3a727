#!/bin/bash
# LLaDA-8B's shape side by side with llama.cpp (issues 28 and 29): a random-weight checkpoint at
# real size (make_llada_large.py: d 4096, 32 layers, 32 heads, MLP 12288, vocabulary 126,464,
# 16 GB of bf16), converted by llama.cpp's own convert_hf_to_gguf.py to a bf16 GGUF and
# quantized by its llama-quantize; then, for each canvas and type, in one run on the same
# weights:
#   - llama.cpp: llama-diffusion-cli over the whole canvas (one block, so no block is skipped
#     and its own "time per step", total / steps, counts every step, the first included, as
#     Unmask's does), the time of its step line 1 (0-based: load and one step), peak RSS;
#   - Unmask: `unmask generate --json` (LLaDA's preset, one block of canvas - 32 masks after a
#     32-token prompt) seconds / steps, wall time minus the steps after the first, peak RSS.
#     bf16 reads the safetensors folder (a user's checkpoint); the quantized types read the
#     GGUF llama.cpp reads.
#
# Usage: scripts/bench/side-by-side-8b.sh [WORK_DIR]
#   WORK_DIR   where the model and GGUFs go (default ~/.cache/unmask-8b; 40 GB for bf16, Q4_0 and
#              Q4_K_M; KEEP=1 keeps them, otherwise they are deleted at the end)
#   LLAMA_BIN  llama.cpp's build/bin (llama-diffusion-cli, llama-quantize), as the anchor builds
#              it (default ~/.cache/unmask-llamacpp/src/build/bin); LLAMA_SRC its source tree
#   CANVASES (default "256"), TYPES (default "bf16 Q8_0 Q4_0 Q4_K_M"), STEPS (default 3),
#   UNMASK, PY (with torch, numpy, tokenizers, safetensors), THREADS as for side-by-side.sh;
#   MAKE_ARGS: other shapes for make_llada_large.py (a dry run: "--d 256 --layers 2 --heads 4
#   --mlp 512 --vocab 4096")
#   KERNEL: run Unmask on this kernel path only (`--kernel avx2`, exact), for a stand-in of an
#   AVX2-only CPU on one with AVX-512: pair it with LLAMA_BIN=<llama.cpp>/build-avx2/bin, the
#   build side-by-side-avx2.sh makes (llama-quantize is then taken from LLAMA_QUANTIZE, default
#   LLAMA_BIN's, else the native build's)
# Run it on a quiet machine; a step at bf16 takes most of a minute on 2 cores.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/unmask-8b}
LL=${XDG_CACHE_HOME:-$HOME/.cache}/unmask-llamacpp
LLAMA_BIN=${LLAMA_BIN:-$LL/src/build/bin}
LLAMA_SRC=${LLAMA_SRC:-$LLAMA_BIN/../..}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
PY=${PY:-python3}
THREADS=${THREADS:-2}
CANVASES=${CANVASES:-256}
TYPES=${TYPES:-bf16 Q8_0 Q4_0 Q4_K_M}
STEPS=${STEPS:-3}
KERNEL=${KERNEL:-}
LLAMA_QUANTIZE=${LLAMA_QUANTIZE:-$LLAMA_BIN/llama-quantize}
for f in "$UNMASK" "$LLAMA_BIN/llama-diffusion-cli" "$LLAMA_QUANTIZE"; do
  [[ -x $f ]] || { echo "side-by-side-8b.sh: no executable $f (see the header)" >&2; exit 2; }
done
mkdir -p "$W"
M=$W/llada-8b
# shellcheck disable=SC2086
[[ -f $M/model.safetensors ]] || "$PY" "$repo/scripts/bench/make_llada_large.py" "$M" ${MAKE_ARGS:-} >&2
[[ -f $W/model-bf16.gguf ]] || "$PY" - "$LLAMA_SRC" "$M" "$W/model-bf16.gguf" <<'PYEOF' >&2
import sys
src, model, out = sys.argv[1:4]
sys.path.insert(0, src + "/gguf-py"); sys.path.insert(0, src)
import convert_hf_to_gguf as C
from conversion.base import TextModel
TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"   # the corpus BPE is GPT-2 style
sys.argv = ["convert_hf_to_gguf.py", model, "--outfile", out, "--outtype", "bf16"]
C.main()
PYEOF
gguf() { echo "$W/model-$(echo "$1" | tr 'A-Z' 'a-z').gguf"; }
for t in $TYPES; do
  f=$(gguf "$t")
  [[ -f $f ]] || "$LLAMA_QUANTIZE" "$W/model-bf16.gguf" "$f" "$t" "$THREADS" >/dev/null 2>&1
done
source "$repo/scripts/bench/side-by-side-lib.sh"
rss_gb() { sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$1" | awk '{printf "%.1f", $1 / 1048576}'; }
wall_s() {
  sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): \(.*\)/\1/p' "$1" \
    | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }'
}
# Reads a model's files through the page cache before its engine runs. The bf16 safetensors and
# GGUF are 16 GB each, and on a 24 GB machine one engine's run evicts part of the other's
# weights, which that engine then reads back from disk during its steps (llama.cpp's bf16 step
# measured 11.2-12.5 s warm and 15.9-16.1 s so, 2026-12-04). Both engines map their files, so
# each starts warm. Reading alone is not enough: pages the last run mapped sit on the kernel's
# active list, and pages read once join the inactive list, which is reclaimed first, so a `cat`
# of 16 GB kept only 4.9 GB of the GGUF while the safetensors stayed (2026-12-05). So every
# weight file under WORK_DIR is first dropped from the cache (dd's nocache, clean pages only).
weights() { find "$@" -type f \( -name '*.safetensors' -o -name '*.gguf' \); }
warm() {
  weights "$W" | while read -r f; do dd if="$f" iflag=nocache count=0 status=none; done
  weights "$@" | while read -r f; do cat "$f" >/dev/null; done
}
machine_line
[[ -n $KERNEL ]] && echo "Unmask --kernel $KERNEL; llama.cpp from $LLAMA_BIN"
echo "steps $STEPS per run; s/step: each engine's generation time / steps (the first, cold step included)"
echo "| canvas | weights | llama.cpp s/step | Unmask s/step | llama.cpp / Unmask | first step (load + 1) llama.cpp / Unmask | peak RSS GB llama.cpp / Unmask |"
echo "|---|---|---|---|---|---|---|"
prompt=$(printf 'word %.0s' $(seq 1 30))
log=$(mktemp -d)
for canvas in $CANVASES; do
  for t in $TYPES; do
    f=$(gguf "$t")
    warm "$f"
    /usr/bin/time -v "$LLAMA_BIN/llama-diffusion-cli" -m "$f" -p "$prompt" -t "$THREADS" \
      -c "$canvas" -b "$canvas" -ub "$canvas" --diffusion-steps "$STEPS" \
      --diffusion-block-length "$canvas" --temp 0 --seed 1 >"$log/llama.out" 2>"$log/llama.err" || true
    read -r lstep lfirst < <($PY -c '
import re, sys
raw = open(sys.argv[1], errors="replace").read()
ts = {int(m[4]): int(m[0]) * 60 + int(m[1]) + int(m[2]) / 1e3 + int(m[3]) / 1e6
      for m in re.findall(r"(\d+)\.(\d+)\.(\d+)\.(\d+) I \s*diffusion step: (\d+)/", raw)}
per = re.findall(r"total time: [0-9.]+ms, time per step: ([0-9.]+)ms", raw)
print("%.3f %.1f" % (float(per[-1]) / 1000, ts[1]) if per and 1 in ts else "- -")' "$log/llama.err")
    model=$f
    numerics=exact
    if [[ $t == bf16 ]]; then
      model=$M
      numerics="exact fast"  # fast: avx512-bf16 where the CPU has it (exact elsewhere)
    fi
    # A forced kernel path is one numerics: the path's own.
    [[ -n $KERNEL ]] && numerics=kernel
    for n in $numerics; do
      path=(--numerics "$n")
      [[ $n == kernel ]] && path=(--kernel "$KERNEL")
      warm "$model"
      /usr/bin/time -v "$UNMASK" generate --model "$model" --preset llada \
        --prompt-tokens "$(seq -s, 100 131)" --length $((canvas - 32)) --steps "$STEPS" \
        --block-length $((canvas - 32)) --strategy confidence --temperature 0 \
        --threads "$THREADS" "${path[@]}" --json >"$log/unmask.json" 2>"$log/unmask.err" || true
      read -r ustep ufirst < <($PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
step = r["seconds"] / r["steps"]
print("%.3f %.1f" % (step, float(sys.argv[2]) - (r["seconds"] - step)))' "$log/unmask.json" "$(wall_s "$log/unmask.err")" 2>/dev/null || echo "- -")
      ratio=$($PY -c "import sys; a, b = sys.argv[1:3]; print('%.2fx' % (float(a) / float(b)) if '-' not in (a, b) and float(b) > 0 else '-')" "$lstep" "$ustep")
      label=$t
      [[ $t == bf16 ]] && label="$t, Unmask --numerics $n"
      [[ $n == kernel ]] && label="$t, Unmask --kernel $KERNEL"
      echo "| $canvas | $label | $lstep | $ustep | $ratio | $lfirst / $ufirst s | $(rss_gb "$log/llama.err") / $(rss_gb "$log/unmask.err") |"
    done
  done
done
rm -rf "$log"
[[ ${KEEP:-0} == 1 ]] || rm -rf "$M" "$W"/model-*.gguf
