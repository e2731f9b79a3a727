#!/bin/bash
# Issue 27's speed check, in one run: transformers' DiffusionGemma `generate()` against
# `unmask generate --preset diffusiongemma` on the same checkpoint (by default the tiny golden
# model, Tests/Fixtures/tiny-diffusiongemma), same prompt, same threads, the same random
# canvases (a golden run's noise rows) and greedy token draws on both sides, so both do the
# same decoder passes and give the same tokens (checked). Seconds per sample, model loading
# excluded on both sides; the median of SAMPLES.
#
# Usage: scripts/bench/side-by-side-diffusiongemma.sh
#   PYTHON   a python with torch and transformers 5.23 (default python3)
#   UNMASK   the unmask binary (default .build/release/unmask)
#   MODEL (tiny-diffusiongemma), CASE (main-three-canvases: a golden run's name), THREADS (2),
#   SAMPLES (3)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
UNMASK=${UNMASK:-$repo/.build/release/unmask}
MODEL=${MODEL:-$repo/Tests/Fixtures/tiny-diffusiongemma}
CASE=${CASE:-main-three-canvases}
THREADS=${THREADS:-2}
SAMPLES=${SAMPLES:-3}
golden=$repo/Tests/Fixtures/golden/diffusiongemma-generate.json
[[ -x $UNMASK ]] || { echo "side-by-side-diffusiongemma.sh: no executable $UNMASK" >&2; exit 2; }
read -r prompt new rows < <("$PYTHON" - "$golden" "$CASE" <<'PY'
import json, sys
case = next(c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2])
print(",".join(map(str, case["input_ids"])), case["settings"]["max_new_tokens"], case["noise_file"])
PY
)
rows=$repo/Tests/Fixtures/golden/$rows
reference=$("$PYTHON" "$repo/scripts/bench/diffusiongemma_reference_generate.py" --model "$MODEL" \
  --prompt-tokens "$prompt" --noise-rows "$rows" --max-new-tokens "$new" --threads "$THREADS" \
  --samples "$SAMPLES" 2>/dev/null | tail -1)
echo "reference: $reference"
all=()
for ((i = 0; i < SAMPLES; i++)); do
  line=$("$UNMASK" generate --model "$MODEL" --preset diffusiongemma --prompt-tokens "$prompt" \
    --length "$new" --noise-rows "$rows" --temperature 0 --threads "$THREADS" --json)
  all+=("$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' <<<"$line")")
done
ours=$(printf '%s\n' "${all[@]}" | sort -g | awk '{ a[NR] = $1 } END {
  printf "%.4f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
canvas=$(sed -n 's/.*"canvas":\[\([0-9,]*\)\].*/\1/p' <<<"$line")
passes=$(sed -n 's/.*"forward_passes":\([0-9]*\).*/\1/p' <<<"$line")
theirs=$(sed -n 's/.*"tokens": \[\([0-9, ]*\)\].*/\1/p' <<<"$reference" | tr -d ' ')
[[ $canvas == "$theirs" ]] && same=yes || same=NO
echo "unmask: $ours s per sample, $passes decoder passes; same tokens as the reference: $same"
echo "(the reference's noise rows used = its canvases + decoder passes)"
ref=$(sed -n 's/.*"seconds_per_sample": \([0-9.e-]*\).*/\1/p' <<<"$reference")
echo "reference / unmask: $(awk -v r="$ref" -v u="$ours" 'BEGIN { printf "%.1fx", r / u }')"
source "$repo/scripts/bench/side-by-side-lib.sh"
echo "machine: $(machine_line)"
