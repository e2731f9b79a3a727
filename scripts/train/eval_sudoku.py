#!/usr/bin/env python3
"""Held-out accuracy of models/sudoku-llada in PyTorch, one cell per step, for several orders.

    python3 scripts/train/eval_sudoku.py [--n 200] [--orders confidence,margin,random]

Writes models/sudoku-llada/heldout_eval.json: per order the accuracy on the first --n held-out
puzzles (40-52 blanks), its Wilson 95% interval, and the steps (= blanks) used. The loop is
train_sudoku.solve(): greedy argmax over the whole vocabulary, one cell committed per step,
chosen by top probability (confidence), top1 - top2 (margin), lowest entropy (entropy) or a
seeded uniform draw (random), as `unmask eval --task sudoku` does with those strategies.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
from safetensors.torch import load_file

torch.set_num_threads(1)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_sudoku as ts  # noqa: E402
from llada_small import LLaDASmall  # noqa: E402


def wilson(k, n, z=1.959963984540054):
    if n == 0:
        return [0.0, 1.0]
    p, d = k / n, 1 + z * z / n
    c, h = (p + z * z / (2 * n)) / d, z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [max(0.0, c - h), min(1.0, c + h)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--orders", default="confidence,margin,random")
    ap.add_argument("--chunk", type=int, default=100)
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(ts.OUT, "config.json")))
    model = LLaDASmall(cfg["vocab_size"], cfg["d_model"], cfg["n_layers"], cfg["n_heads"],
                       cfg["mlp_hidden_size"], cfg["rope_theta"])
    model.load_state_dict(load_file(os.path.join(ts.OUT, "model.safetensors")))
    model.eval()
    puzzles, _, _ = ts.load_heldout()
    puzzles = puzzles[:args.n]
    out_path = os.path.join(ts.OUT, "heldout_eval.json")
    report = json.load(open(out_path)) if os.path.exists(out_path) else {}
    for order in args.orders.split(","):
        t0, correct = time.time(), 0
        gen = torch.Generator().manual_seed(1)
        for i in range(0, len(puzzles), args.chunk):
            chunk = puzzles[i:i + args.chunk]
            correct += round(ts.accuracy(ts.solve(model, chunk, order, gen), chunk) * len(chunk))
        report[order] = {"accuracy": correct / len(puzzles), "correct": correct,
                         "n": len(puzzles), "ci95": wilson(correct, len(puzzles)),
                         "steps": "one cell per step (steps = blanks)",
                         "seconds": round(time.time() - t0, 1)}
        print(order, report[order], flush=True)
        tmp = out_path + ".tmp"
        json.dump(report, open(tmp, "w"), indent=2)
        os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
