#!/usr/bin/env python3
"""Seeded 9x9 Sudoku generator: full grids, puzzles with a unique solution, and training grids.

    python3 scripts/train/sudoku_data.py --out models/sudoku-llada/heldout.jsonl \
        --n 500 --seed 20251 --blanks 40 52

writes one puzzle a line, `{"puzzle": "<81 chars, 0 = blank>", "solution": "<81 digits>"}`.

* Full grids: randomized backtracking (candidates shuffled by a seeded `random.Random`).
* Puzzles: cells of a full grid are tried for removal in a seeded random order; a removal is kept
  only while `count_solutions(..., limit=2)` still finds exactly one solution; stop at a target
  number of blanks drawn uniformly from the range (a grid that cannot reach it is redrawn).
  Every written puzzle is re-checked: unique solution, equal to "solution", givens kept.
* Training grids (`TrainingGrids`): a pool of backtracking base grids from their own seed,
  each batch a random validity-preserving transform of pool grids (digit relabelling, rows
  within bands, bands, columns within stacks, stacks, transpose), in NumPy. The training loss
  masks cells of these full grids (the masked-diffusion forward process), so training sees no
  puzzle; `overlap()` checks that no training grid equals a held-out solution.
"""

import argparse
import json
import os
import random
import sys

import numpy as np

ALL = 0x3FE  # bits 1..9


def _peers():
    peers = []
    for i in range(81):
        r, c = divmod(i, 9)
        b = (r // 3) * 3 * 9 + (c // 3) * 3
        s = {r * 9 + k for k in range(9)} | {k * 9 + c for k in range(9)}
        s |= {b + dr * 9 + dc for dr in range(3) for dc in range(3)}
        s.discard(i)
        peers.append(tuple(sorted(s)))
    return tuple(peers)


PEERS = _peers()


def count_solutions(grid, limit=2):
    """Number of solutions of `grid` (list of 81 ints, 0 = blank), counting up to `limit`.
    Returns 0 for a grid whose givens already conflict."""
    g = list(grid)
    for i, v in enumerate(g):
        if v and any(g[p] == v for p in PEERS[i]):
            return 0
    return _count(g, limit)


def _count(g, limit):
    best, best_mask, best_n = -1, 0, 10
    for i in range(81):
        if g[i] == 0:
            m = ALL
            for p in PEERS[i]:
                m &= ~(1 << g[p])
            n = bin(m).count("1")
            if n < best_n:
                best, best_mask, best_n = i, m, n
                if n <= 1:
                    break
    if best < 0:
        return 1
    total = 0
    for v in range(1, 10):
        if best_mask >> v & 1:
            g[best] = v
            total += _count(g, limit - total)
            g[best] = 0
            if total >= limit:
                break
    return total


def random_full_grid(rng):
    """A uniformly shuffled backtracking fill: list of 81 digits."""
    g = [0] * 81

    def fill(i):
        if i == 81:
            return True
        used = {g[p] for p in PEERS[i]}
        digits = [d for d in range(1, 10) if d not in used]
        rng.shuffle(digits)
        for d in digits:
            g[i] = d
            if fill(i + 1):
                return True
        g[i] = 0
        return False

    fill(0)
    return g


def make_puzzle(rng, blanks_lo, blanks_hi):
    """(puzzle, solution): a unique-solution puzzle with blanks in [lo, hi]."""
    while True:
        solution = random_full_grid(rng)
        target = rng.randint(blanks_lo, blanks_hi)
        puzzle = list(solution)
        order = list(range(81))
        rng.shuffle(order)
        blanks = 0
        for i in order:
            if blanks == target:
                break
            v, puzzle[i] = puzzle[i], 0
            if count_solutions(puzzle, 2) == 1:
                blanks += 1
            else:
                puzzle[i] = v
        if blanks == target:
            return puzzle, solution


def is_valid_solution(puzzle, answer):
    """True when `answer` (81 ints) is a full valid grid that keeps every given of `puzzle`."""
    if len(answer) != 81 or any(not 1 <= v <= 9 for v in answer):
        return False
    if any(p and p != a for p, a in zip(puzzle, answer)):
        return False
    return all(answer[p] != answer[i] for i in range(81) for p in PEERS[i])


def grid_string(g):
    return "".join(str(int(v)) for v in g)


class TrainingGrids:
    """Seeded stream of full grids: transforms of a pool of backtracking grids."""

    def __init__(self, seed, pool=2000):
        rng = random.Random(seed)
        self.pool = np.array([random_full_grid(rng) for _ in range(pool)], dtype=np.int64)
        self.np_rng = np.random.default_rng(seed)

    def batch(self, n):
        r = self.np_rng
        g = self.pool[r.integers(0, len(self.pool), n)].reshape(n, 9, 9)
        # Digit relabelling: a random permutation of 1..9 per grid.
        perm = np.argsort(r.random((n, 9)), axis=1) + 1
        g = np.take_along_axis(np.concatenate([np.zeros((n, 1), np.int64), perm], 1),
                               g.reshape(n, 81), 1).reshape(n, 9, 9)

        def line_order():
            bands = np.argsort(r.random((n, 3)), axis=1)
            inner = np.argsort(r.random((n, 3, 3)), axis=2)
            return (bands[:, :, None] * 3 + np.take_along_axis(inner, bands[:, :, None]
                                                               .repeat(3, 2), 1)).reshape(n, 9)

        rows, cols = line_order(), line_order()
        g = np.take_along_axis(g, rows[:, :, None].repeat(9, 2), 1)
        g = np.take_along_axis(g, cols[:, None, :].repeat(9, 1), 2)
        flip = r.random(n) < 0.5
        g[flip] = g[flip].transpose(0, 2, 1)
        return g.reshape(n, 81)


def overlap(grids, heldout_solutions):
    """How many rows of `grids` (N x 81 ints) equal a held-out solution string."""
    return sum(grid_string(row) in heldout_solutions for row in grids)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=20251)
    ap.add_argument("--blanks", type=int, nargs=2, default=(40, 52))
    args = ap.parse_args()
    lo, hi = args.blanks
    if not 0 <= lo <= hi <= 64:
        sys.exit(f"error: --blanks {lo} {hi}: need 0 <= lo <= hi <= 64")
    rng = random.Random(args.seed)
    lines, seen = [], set()
    while len(lines) < args.n:
        puzzle, solution = make_puzzle(rng, lo, hi)
        key = grid_string(puzzle)
        if key in seen:
            continue
        assert count_solutions(puzzle, 2) == 1 and is_valid_solution(puzzle, solution)
        seen.add(key)
        lines.append(json.dumps({"puzzle": key, "solution": grid_string(solution)}))
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, args.out)
    print(f"wrote {len(lines)} puzzles ({lo}-{hi} blanks, seed {args.seed}) to {args.out}")


if __name__ == "__main__":
    main()
