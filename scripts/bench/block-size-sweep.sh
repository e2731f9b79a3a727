#!/bin/bash
# Block sizes 4, 8, 16, 32 of models/kjv-llada2-bd against full bidirectional attention at equal
# forward passes (issue 25 item 5): held-out likelihood bound and generation tokens/s.
#
# Usage: scripts/bench/block-size-sweep.sh
#   UNMASK   the unmask binary (default .build/release/unmask: `swift build -c release
#            --product unmask`)
#   RECOMPUTE=1  recompute the held-out losses (else read from the model's training_log.json)
#   EVAL_BATCHES  with RECOMPUTE=1: batches of 32 held-out windows per block size (default 8, as
#            the training log; 32 for the README table)
#   PY       for RECOMPUTE=1: a Python with torch, tokenizers, safetensors
#   CORPUS   the `bible` dump (default /tmp/kjv.txt; made by scripts/train/kjv_corpus.sh)
#   PASSES   forward passes per 128-token generation (default 64: two tokens a pass)
#   PROMPTS  held-out prompts (default 8: the first 32 tokens of the first 8 held-out chapters)
#   THREADS  compute threads (default 1)
#   MC       Monte-Carlo samples of `unmask score` (default 8)
#
# What it measures, for each row:
# * Held-out block-diffusion loss (nats/token): scripts/train/train_kjv_block_diffusion.py
#   --eval-only, the training objective on EVAL_BATCHES x 32 fixed held-out windows of 128 (8 x 32
#   in the training log) with the same noise for every block size: the negative ELBO of
#   generating block by block (each block given the clean previous ones), an upper bound on
#   the NLL per token. B = 128 is one block under full attention: LLaDA's masked-diffusion
#   loss, kjv-llada's objective.
# * `unmask score` on all of models/kjv-llada/heldout.txt (windows of 128, MC samples): LLaDA's
#   masked-diffusion ELBO, every position masked with one t per window. For the LLaDA2 model it
#   runs under the model's own mask (block-causal, blocks of 32 from each window's start), so a
#   block sees its noisy predecessors, not clean ones: not the block-diffusion bound, printed
#   once beside kjv-llada's.
# * Generation: 128 tokens after each held-out 32-token prompt, greedy, PASSES passes each.
#   Block size B: `--preset llada2 --block-length B --steps PASSES*B/128` (steps per block; the
#   32-token prompt fills whole blocks, so 128/B blocks are generated), the static quota
#   (`--strategy low-confidence-static`) so that every run takes exactly PASSES passes, no stop
#   at an EOS block, the exact block cache (the preset's default). Full attention: `generate`
#   cannot lift the LLaDA2 model's block-causal mask, so the row is kjv-llada (the same weights
#   before the fine-tuning, full attention) with `--preset llada --block-length 128 --steps
#   PASSES`. tokens/s = generated tokens / the runs' own seconds (model loading excluded).
# Timings on a loaded machine measure the load too; the script prints `uptime` with them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
UNMASK=${UNMASK:-$repo/.build/release/unmask}
PY=${PY:-python3}
CORPUS=${CORPUS:-/tmp/kjv.txt}
PASSES=${PASSES:-64}
PROMPTS=${PROMPTS:-8}
THREADS=${THREADS:-1}
MC=${MC:-8}
BD=models/kjv-llada2-bd
AR=models/kjv-llada
[[ -x $UNMASK ]] || { echo "block-size-sweep.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Held-out prompts: the first 32 tokens of the first PROMPTS held-out chapters.
head -n $((2 * PROMPTS)) $AR/heldout.txt | grep -v '^$' | python3 -c 'import json, sys
[print(json.dumps(l.rstrip("\n"))) for l in sys.stdin]' |
  "$UNMASK" tokenize --model $AR --no-special-tokens |
  python3 -c 'import json, sys
[print(json.dumps({"prompt_tokens": json.loads(l)[:32]})) for l in sys.stdin]' >"$work/prompts.jsonl"
[[ $(wc -l <"$work/prompts.jsonl") == "$PROMPTS" ]] ||
  { echo "block-size-sweep.sh: expected $PROMPTS prompts" >&2; exit 1; }

# Held-out losses: {"4": ..., "128": ...} for each model. By default from the training log:
# its last eval (the shipped weights) and its step-0 eval (kjv-llada's weights, converted
# exactly); RECOMPUTE=1 evaluates both folders again (minutes on one thread; the same numbers).
if [[ ${RECOMPUTE:-0} == 1 ]]; then
  [[ -f $CORPUS ]] || bash scripts/train/kjv_corpus.sh "$CORPUS"
  for m in $BD $AR; do
    echo "held-out losses: $m" >&2
    "$PY" scripts/train/train_kjv_block_diffusion.py --corpus "$CORPUS" --eval-only $m \
      --eval-batches "${EVAL_BATCHES:-8}" --threads "$THREADS" | tail -1 |
      sed 's/ ([0-9]* s)$//' >"$work/loss-$(basename $m).json"
  done
else
  python3 - "$BD/training_log.json" "$work" <<'EOF'
import json, os, sys
log = json.load(open(sys.argv[1]))
out = sys.argv[2]
json.dump(log["evals"][-1]["held_out"], open(os.path.join(out, "loss-kjv-llada2-bd.json"), "w"))
json.dump(log["evals"][0]["held_out"], open(os.path.join(out, "loss-kjv-llada.json"), "w"))
EOF
fi

# unmask score on the held-out text.
for m in $BD $AR; do
  echo "unmask score: $m" >&2
  "$UNMASK" score --model $m --text $AR/heldout.txt --window 128 --mc "$MC" --batch "$MC" \
    --seed 0 --threads "$THREADS" --json --quiet >"$work/score-$(basename $m).json"
done

# Generation at equal passes.
gen() {  # name, then unmask generate's arguments
  local name=$1
  shift
  echo "generate: $name" >&2
  "$UNMASK" generate --prompts "$work/prompts.jsonl" --length 128 --threads "$THREADS" \
    --json --quiet "$@" >"$work/gen-$name.jsonl"
}
for b in 4 8 16 32; do
  gen "b$b" --model $BD --preset llada2 --block-length $b --steps $((PASSES * b / 128)) \
    --strategy low-confidence-static --no-end-after-eos-block
done
gen full --model $AR --preset llada --block-length 128 --steps "$PASSES"

echo "uptime: $(uptime)" >&2
python3 - "$work" "$PASSES" "$THREADS" "$MC" <<'EOF'
import json, os, sys
work, passes, threads, mc = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(name):
    return json.load(open(os.path.join(work, name)))
def gen(name):
    rows = [json.loads(l) for l in open(os.path.join(work, f"gen-{name}.jsonl"))]
    toks = sum(len(r["tokens"]) for r in rows)
    secs = sum(r["seconds"] for r in rows)
    fp = sorted({r["forward_passes"] for r in rows})
    return toks / secs, fp
loss_bd, loss_ar = load("loss-kjv-llada2-bd.json"), load("loss-kjv-llada.json")
score_bd, score_ar = load("score-kjv-llada2-bd.json"), load("score-kjv-llada.json")
print(f"| attention | held-out loss, kjv-llada2-bd | held-out loss, kjv-llada (not fine-tuned) "
      f"| forward passes | tokens/s ({threads} thread{'s' if threads != '1' else ''}) |")
print("|---|---:|---:|---:|---:|")
def f(x):
    return "n/a" if x is None else f"{x:.3f}"
for b in (4, 8, 16, 32):
    tps, fp = gen(f"b{b}")
    print(f"| blocks of {b} | {f(loss_bd.get(str(b)))} | {f(loss_ar.get(str(b)))} | "
          f"{'/'.join(map(str, fp))} | {tps:.0f} |")
tps, fp = gen("full")
print(f"| full (one block of 128) | {f(loss_bd.get('128'))} | {f(loss_ar.get('128'))} | "
      f"{'/'.join(map(str, fp))} | {tps:.0f} (kjv-llada) |")
print()
print(f"unmask score (held-out text, windows of 128, {mc} MC samples): kjv-llada "
      f"{score_ar['nll_per_token']:.3f} nats/token (full attention), kjv-llada2-bd "
      f"{score_bd['nll_per_token']:.3f} (its own mask: block-causal, blocks of 32)")
EOF
