"""How readable a text model's samples are, measured rather than eyeballed.

Runs `unmask generate` for every sampler setting below on a fixed set of prompts and seeds and
reports, per setting, over the generated words (lower-cased runs of letters):

- `words`: the share that are words of the training chapters (not made-up BPE splices);
- `bigrams` / `trigrams`: the share of consecutive word pairs / triples that occur somewhere in
  the training chapters (local phrasing a reader recognises);
- `distinct-2`: distinct word pairs / word pairs within a sample (1.0: no phrase repeats;
  greedy decoding that loops on "and thy sons, and thy sons" scores low).

These are proxies, not a judge of sense: a sample of well-formed clauses that do not follow on
from each other scores high on all four. They pick the sampler settings the README and the model
card show, and compare checkpoints of one model.

    python3 scripts/train/sample_stats.py --corpus /tmp/kjv.txt --model kjv-llada [--seeds 5]

The corpus is the `bible` program's output (scripts/train/kjv_corpus.sh); held-out chapters
(every 50th, as in training) are left out of the reference n-grams.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from train_kjv_llada import HELD_OUT_EVERY, chapters  # noqa: E402

PROMPTS = ["And God said", "In the beginning", "And it came to pass", "Blessed are",
           "And the LORD spake unto Moses, saying", "The LORD is my shepherd",
           "And Jesus said unto them"]

SETTINGS = {
    "one block, greedy": "--temperature 0",
    "blocks of 8, greedy": "--block-length 8 --temperature 0",
    "blocks of 8, T 0.8": "--block-length 8 --temperature 0.8",
    "blocks of 8, T 0.7, top-p 0.9": "--block-length 8 --temperature 0.7 --top-p 0.9",
    "blocks of 4, T 0.7, top-p 0.9": "--block-length 4 --temperature 0.7 --top-p 0.9",
    "blocks of 8, T 0.5": "--block-length 8 --temperature 0.5",
    "blocks of 8, T 0.7, top-p 0.9, margin":
        "--block-length 8 --temperature 0.7 --top-p 0.9 --strategy margin",
    "blocks of 8, T 0.7, top-p 0.9, pc-sampler":
        "--block-length 8 --temperature 0.7 --top-p 0.9 --strategy pc-sampler",
    "one block, T 0.7, top-p 0.9, pc-sampler":
        "--temperature 0.7 --top-p 0.9 --strategy pc-sampler",
}


def words(text):
    return re.findall(r"[a-z]+", text.lower())


def ngrams(ws, n):
    return list(zip(*(ws[i:] for i in range(n))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--model", default="kjv-llada")
    ap.add_argument("--unmask", default=os.path.join(REPO, ".build", "release", "unmask"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--length", type=int, default=48)
    ap.add_argument("--settings", nargs="*", help="names from SETTINGS (default: all)")
    ap.add_argument("--json", action="store_true", help="one JSON object per setting")
    args = ap.parse_args()

    docs = chapters(args.corpus)
    train = [words(t) for i, (_, t) in enumerate(docs)
             if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]
    vocab = {w for ws in train for w in ws}
    known = {n: {g for ws in train for g in ngrams(ws, n)} for n in (2, 3)}

    names = args.settings or list(SETTINGS)
    if not args.json:
        print(f"{args.model}: {len(PROMPTS)} prompts x {args.seeds} seeds, {args.length} tokens, "
              f"steps = length\n")
        print("| setting | words | bigrams | trigrams | distinct-2 | example (seed 1) |")
        print("|---|---|---|---|---|---|")
    for name in names:
        flags = SETTINGS[name].split()
        counts = {"words": [0, 0], "bigrams": [0, 0], "trigrams": [0, 0], "distinct-2": [0, 0]}
        example = None
        for prompt in PROMPTS:
            for seed in range(1, args.seeds + 1):
                out = subprocess.run(
                    [args.unmask, "generate", "--model", args.model, "--prompt", prompt,
                     "--length", str(args.length), "--steps", str(args.length), "--seed",
                     str(seed), "--quiet", *flags],
                    check=True, capture_output=True, text=True).stdout.rstrip("\n")
                if example is None:
                    example = prompt + out
                ws = words(out)
                counts["words"][0] += sum(w in vocab for w in ws)
                counts["words"][1] += len(ws)
                grams = {n: ngrams(ws, n) for n in (2, 3)}
                for n, key in ((2, "bigrams"), (3, "trigrams")):
                    counts[key][0] += sum(g in known[n] for g in grams[n])
                    counts[key][1] += len(grams[n])
                pairs = grams[2]
                counts["distinct-2"][0] += len(set(pairs))
                counts["distinct-2"][1] += len(pairs)
        shares = {k: round(a / max(1, b), 3) for k, (a, b) in counts.items()}
        if args.json:
            print(json.dumps({"setting": name, "flags": SETTINGS[name], **shares,
                              "example": example}))
        else:
            cells = " | ".join(f"{shares[k]:.3f}" for k in counts)
            print(f"| {name} | {cells} | {example[:90]}... |", flush=True)


if __name__ == "__main__":
    main()
