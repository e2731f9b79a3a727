#!/bin/bash
# The King James Bible as plain text, from Debian packages (no other network):
# bible-kjv-text carries the text, bible-kjv's `bible` program prints it, one verse a line.
# Usage: scripts/train/kjv_corpus.sh OUT.txt
set -euo pipefail
out=${1:?usage: kjv_corpus.sh OUT.txt}
command -v bible >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bible-kjv >/dev/null; }
bible -l100000 gen1:1-rev22:21 >"$out.tmp"
[[ $(grep -c '^[^ ]' "$out.tmp") == 1189 ]] || { echo "kjv_corpus.sh: $out: expected 1189 chapter headings" >&2; exit 1; }
mv "$out.tmp" "$out"
