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
import sudoku_data as sd  # noqa: E402
import train_sudoku as ts  # noqa: E402
from llada_small import LLaDASmall  # noqa: E402


def wilson(k, n, z=1.959963984540054):
    if n == 0:
        return [0.0, 1.0]
    p, d = k / n, 1 + z * z / n
    c, h = (p + z * z / (2 * n)) / d, z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [max(0.0, c - h), min(1.0, c + h)]


def logic_solves(puzzle, hidden):
    """Whether propagating naked singles (a blank with one candidate left), and with `hidden`
    also hidden singles (a digit with one place left in a row, column or box), fills the grid:
    the reference line for what a model that has learned these rules can reach."""
    g = list(puzzle)
    units = ([[r * 9 + c for c in range(9)] for r in range(9)]
             + [[r * 9 + c for r in range(9)] for c in range(9)]
             + [[(b // 3 * 3 + i // 3) * 9 + b % 3 * 3 + i % 3 for i in range(9)]
                for b in range(9)])
    while 0 in g:
        cand = {i: set(range(1, 10)) - {g[p] for p in sd.PEERS[i]} for i in range(81) if g[i] == 0}
        placed = {i: next(iter(c)) for i, c in cand.items() if len(c) == 1}
        if hidden and not placed:
            for unit in units:
                for d in range(1, 10):
                    spots = [i for i in unit if g[i] == 0 and d in cand[i]]
                    if len(spots) == 1:
                        placed[spots[0]] = d
        if not placed:
            return False
        for i, d in placed.items():
            g[i] = d
    return sd.is_valid_solution(puzzle, g)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--orders", default="confidence,margin,random")
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--logic", action="store_true",
                    help="also report the naked-singles and naked+hidden-singles solve rates")
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

    def save():
        tmp = out_path + ".tmp"
        json.dump(report, open(tmp, "w"), indent=2)
        os.replace(tmp, out_path)

    if args.logic:
        for name, hidden in (("naked_singles", False), ("naked_and_hidden_singles", True)):
            k = sum(logic_solves(p.tolist(), hidden) for p in puzzles)
            report[name] = {"accuracy": k / len(puzzles), "correct": k, "n": len(puzzles),
                            "ci95": wilson(k, len(puzzles))}
            print(name, report[name], flush=True)
        save()
    for order in (o for o in args.orders.split(",") if o):
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
        save()


if __name__ == "__main__":
    main()
