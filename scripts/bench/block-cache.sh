#!/bin/bash
# Issue 25's speed check, in one run: block-causal generation with the exact cache on the 120M
# bench shape with Qwen3 layers (a random SDAR: d 1024, 8 layers, 16 heads, MLP 2816, vocabulary
# 8192, q/k norm, blocks of 32) against Fast-dLLM's dual cache on the same shape with LLaDA
# layers, at equal forward passes (one token per pass: --strategy confidence, --steps = --length).
# Each `bench generate` also runs --cache none first, its own baseline.
#
# Usage: scripts/bench/block-cache.sh
#   UNMASK   the unmask binary (default .build/release/unmask; `swift build -c release --product unmask`)
#   THREADS  compute threads (default 2); LENGTH (default 256), PROMPT (default 32), BLOCK (32)
# Prints both runs, then the exact cache's tokens/s over the dual cache's and the CPU model.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
UNMASK=${UNMASK:-$repo/.build/release/unmask}
THREADS=${THREADS:-2}
LENGTH=${LENGTH:-256}
PROMPT=${PROMPT:-32}
BLOCK=${BLOCK:-32}
[[ -x $UNMASK ]] || { echo "block-cache.sh: UNMASK: no executable $UNMASK" >&2; exit 2; }
common=(--threads "$THREADS" --length "$LENGTH" --prompt-length "$PROMPT" --block-length "$BLOCK")
dual=$("$UNMASK" bench generate --layers llada --caches dual "${common[@]}")
echo "$dual"
exact=$("$UNMASK" bench generate --layers qwen3 --caches exact "${common[@]}")
echo "$exact"
speed() { sed -n "s/^cache $1 *\([0-9.]*\) tokens\/s.*/\1/p" <<<"$2"; }
passes() { sed -n "s/^cache $1 *[0-9.]* tokens\/s *\([0-9]*\) forward passes.*/\1/p" <<<"$2"; }
d=$(speed dual "$dual")
e=$(speed exact "$exact")
echo "passes: dual $(passes dual "$dual"), exact $(passes exact "$exact")"
echo "exact cache (Qwen3 layers, block-causal) / dual cache (LLaDA layers): $(awk -v e="$e" -v d="$d" 'BEGIN { printf "%.2fx", e / d }')"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(grep -o -m1 'avx512_bf16' /proc/cpuinfo || echo 'no avx512_bf16'), threads $THREADS"
