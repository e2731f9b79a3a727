#!/bin/bash
# Two builds of Unmask side by side: `bench forward` and `bench generate`, the old and the new
# binary alternated round after round in one run (the order flips every round), so that a
# change that should cost nothing (a refactor) is measured against the noise of this machine.
# Prints, per benchmark line, the median over the rounds of each binary and new/old: wall
# milliseconds (or tokens/s) and CPU time.
#
# Usage: scripts/bench/old-vs-new.sh OLD_UNMASK NEW_UNMASK [ROUNDS]
#   OLD_UNMASK, NEW_UNMASK  release binaries (`swift build -c release --product unmask`, one
#                           built from a worktree of the old commit)
#   ROUNDS                  rounds (default 3); THREADS (default 2)
#   FORWARD_ARGS            extra `bench forward` flags (default: bf16 and q8_0 weights, 3 repetitions)
#   GENERATE_ARGS           extra `bench generate` flags (default: 64 tokens, every cache, batch 4)
# Nothing is written inside the checkout.
set -euo pipefail
OLD=${1:?usage: old-vs-new.sh OLD_UNMASK NEW_UNMASK [ROUNDS]}
NEW=${2:?usage: old-vs-new.sh OLD_UNMASK NEW_UNMASK [ROUNDS]}
ROUNDS=${3:-3}
THREADS=${THREADS:-2}
FORWARD_ARGS=${FORWARD_ARGS:---dtypes bf16,q8_0 --repetitions 3}
GENERATE_ARGS=${GENERATE_ARGS:---length 64 --block-length 32 --caches none,prefix,dual --batch-sizes 4}
for b in "$OLD" "$NEW"; do [[ -x $b ]] || { echo "old-vs-new.sh: no executable $b" >&2; exit 2; }; done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order="old new"; else order="new old"; fi
  for which in $order; do
    bin=$OLD; [[ $which == new ]] && bin=$NEW
    echo "round $r: $which" >&2
    # shellcheck disable=SC2086
    "$bin" bench forward --threads "$THREADS" $FORWARD_ARGS >"$out/forward-$which-$r.txt"
    # shellcheck disable=SC2086
    "$bin" bench generate --threads "$THREADS" $GENERATE_ARGS >"$out/generate-$which-$r.txt"
  done
done
grep -m1 '^cpu:' "$out/forward-new-1.txt" || true
python3 - "$out" "$ROUNDS" <<'PY'
import re, statistics, sys
folder, rounds = sys.argv[1], int(sys.argv[2])
def parse(kind, which):
    """label -> [(value, cpu)] over the rounds; value is ms/pass (forward) or tokens/s."""
    found = {}
    for r in range(1, rounds + 1):
        for line in open(f"{folder}/{kind}-{which}-{r}.txt"):
            if kind == "forward":
                m = re.match(r"(\S.*?\S)\s+(\S+)\s+([\d.]+) ms/pass .*cpu\s+([\d.]+) ms", line)
                rows = re.match(r"\s+([\d.]+) ms/pass for (\d+) of (\d+) logit rows; cpu\s+([\d.]+) ms", line)
                if m:
                    last = f"{m.group(1)} {m.group(2)}"
                    found.setdefault(last, []).append((float(m.group(3)), float(m.group(4))))
                elif rows:
                    found.setdefault(f"{last} ({rows.group(2)} rows)", []).append(
                        (float(rows.group(1)), float(rows.group(4))))
            else:
                m = re.match(r"(\S.*?)\s+([\d.]+) tokens/s .*cpu ([\d.]+) s", line)
                if m:
                    found.setdefault(m.group(1).strip(), []).append((float(m.group(2)), float(m.group(3))))
    return found
for kind, unit in [("forward", "ms/pass"), ("generate", "tokens/s")]:
    old, new = parse(kind, "old"), parse(kind, "new")
    print(f"\n{kind}: median of {rounds} rounds ({unit}; new/old > 1 is faster for tokens/s, slower for ms)")
    print(f"{'':44s} {'old':>9s} {'new':>9s} {'new/old':>8s} {'cpu new/old':>11s}")
    for label in old:
        if label not in new:
            continue
        o = statistics.median(v for v, _ in old[label]); n = statistics.median(v for v, _ in new[label])
        oc = statistics.median(c for _, c in old[label]); nc = statistics.median(c for _, c in new[label])
        print(f"{label[:44]:44s} {o:9.2f} {n:9.2f} {n / o:8.3f} {nc / oc:11.3f}")
PY
