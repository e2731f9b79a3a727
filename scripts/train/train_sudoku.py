#!/usr/bin/env python3
"""Train a small LLaDA-layout model from scratch to fill 9x9 Sudoku grids, on CPU.

    python3 scripts/train/train_sudoku.py --steps 1500 --threads 1    # the shipped model

Writes models/sudoku-llada/: config.json, model.safetensors (float32), training_log.json
(settings, loss curve, validation accuracies along the way), atomically, so a stopped run leaves
a usable checkpoint. The weights written are the best so far by confidence-order accuracy on 50
validation puzzles of their own seed (disjoint from the held-out set, which is never used here).
Every weight starts from the seeded random init (llada_small.LLaDASmall.reset_parameters). A
resumable state (weights + optimizer + RNGs) goes to --state every --save-every steps.

Layout (vocabulary 16): 0 <|endoftext|>, 1..9 the digits, 10 <|mdm_mask|>, 11 <|gap|>,
12..15 reserved. The canvas has 145 positions: cell (r, c) sits at position 17 r + c and the
other 64 positions hold <|gap|> (fixed, like the givens). Why: LLaDA has only rotary (relative)
positions, so on a canvas of 81 consecutive cells a neighbour in the same row and the next row's
first cell are both one apart. With a row stride of 17 the offset between two cells,
17 dr + dc with |dc| <= 8, determines (dr, dc): "same row" is |offset| <= 8 and "same column" is
offset = 0 mod 17. The rotary base makes one frequency of every head have period exactly 17
(theta = (17 / 2 pi)^8 with 32-dim heads, so inv_freq[2] = theta^(-4/32) = 2 pi / 17). Which
cells share a box, and everything else, is learned. At inference the canvas holds the givens and
the gaps (fixed) and masks at the blanks (Unmask's infill path), one cell committed per step.

Loss: LLaDA's masked-diffusion loss on full solution grids: per grid t ~ U(T_MIN, T_MAX)
(stratified over the batch), each of the 81 cells masked with probability t, cross-entropy on the
masked cells weighted 1/t, summed and divided by batch * 81. T_MAX < 1 because the task starts at
40-52 blanks of 81; grids with more masks are never seen at inference. Gaps are never masked.
Training data: `sudoku_data.TrainingGrids` (seeded transforms of backtracking grids); no training
grid equals a held-out solution (counted every batch, logged as `heldout_overlap`).
"""

import argparse
import random
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sudoku_data as sd  # noqa: E402
from llada_small import LLaDASmall, adamw, llada_config, optimizer_step, warmup_cosine  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "models", "sudoku-llada")
HELDOUT = os.path.join(OUT, "heldout.jsonl")

EOS, MASK, GAP, VOCAB = 0, 10, 11, 16
SIZES = {"d_model": 128, "n_layers": 5, "n_heads": 4, "mlp_hidden_size": 384}
ROW_STRIDE, CANVAS = 17, 145
ROPE_THETA = (ROW_STRIDE / (2 * math.pi)) ** 8  # inv_freq[2] of a 32-dim head = 2 pi / 17
SEED, DATA_SEED = 4242, 777
BATCH, LR, WARMUP, WEIGHT_DECAY = 64, 3e-3, 50, 0.0
VAL_SEED, VAL_N = 99, 50
T_MIN, T_MAX = 0.02, 0.8
CELL_POSITIONS = torch.tensor([ROW_STRIDE * (k // 9) + k % 9 for k in range(81)])


def load_heldout(path=HELDOUT):
    rows = [json.loads(line) for line in open(path)]
    puzzles = torch.tensor([[int(c) for c in r["puzzle"]] for r in rows])
    solutions = torch.tensor([[int(c) for c in r["solution"]] for r in rows])
    return puzzles, solutions, {r["solution"] for r in rows}


def on_canvas(cells):
    """B x 81 cell tokens -> B x 145 canvas: cell (r, c) at 17 r + c, <|gap|> elsewhere."""
    canvas = torch.full((cells.shape[0], CANVAS), GAP, dtype=torch.long)
    canvas[:, CELL_POSITIONS] = cells
    return canvas


def cell_logits(model, cells):
    return model(on_canvas(cells))[:, CELL_POSITIONS]


def diffusion_loss(model, grids, gen):
    b = grids.shape[0]
    t = T_MIN + (T_MAX - T_MIN) * (torch.arange(b) + torch.rand(1, generator=gen)) / b
    masked = torch.rand((b, 81), generator=gen) < t[:, None]
    noisy = torch.where(masked, torch.full_like(grids, MASK), grids)
    logits = cell_logits(model, noisy)
    ce = F.cross_entropy(logits[masked], grids[masked], reduction="none")
    weight = (1 / t)[:, None].expand(b, 81)[masked]
    return (ce * weight).sum() / (b * 81)


@torch.no_grad()
def solve(model, puzzles, order, gen=None):
    """One cell per step (steps = blanks): 'confidence' (top probability), 'margin' (top1 - top2),
    'entropy' (lowest entropy) or 'random' (a uniformly random blank); the committed token is the
    argmax over the whole vocabulary, as Unmask's greedy (temperature 0) proposals."""
    cells = torch.where(puzzles == 0, torch.full_like(puzzles, MASK), puzzles).clone()
    rows = torch.arange(cells.shape[0])
    for _ in range(int((puzzles == 0).sum(1).max())):
        masked = cells == MASK
        if not masked.any():
            break
        probs = cell_logits(model, cells).float().softmax(-1)
        top2 = probs.topk(2, dim=-1)
        if order == "confidence":
            score = top2.values[..., 0]
        elif order == "margin":
            score = top2.values[..., 0] - top2.values[..., 1]
        elif order == "entropy":
            score = (probs * probs.clamp_min(1e-30).log()).sum(-1)  # -entropy: higher first
        else:
            score = torch.rand(cells.shape, generator=gen)
        score = torch.where(masked, score, torch.full_like(score, -math.inf))
        pos = score.argmax(1)
        live = masked.any(1)
        cells[rows[live], pos[live]] = top2.indices[rows, pos, 0][live]
    return cells


def accuracy(cells, puzzles):
    ok = [sd.is_valid_solution(p.tolist(), c.tolist()) for p, c in zip(puzzles, cells)]
    return sum(ok) / len(ok)


def write_atomic(path, write):
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def save_model(model, log, weights=True):
    """config.json and training_log.json always; the weights only when `weights` (the best
    checkpoint on the validation puzzles so far)."""
    os.makedirs(OUT, exist_ok=True)
    cfg = llada_config(VOCAB, mask_id=MASK, eos_id=EOS, rope_theta=ROPE_THETA, max_len=CANVAS,
                       **SIZES)
    write_atomic(os.path.join(OUT, "config.json"),
                 lambda p: json.dump(cfg, open(p, "w"), indent=2))
    if weights:
        state = {k: v.detach().float().contiguous()
                 for k, v in sorted(model.state_dict().items())}
        write_atomic(os.path.join(OUT, "model.safetensors"),
                     lambda p: save_file(state, p, metadata={"format": "pt"}))
    write_atomic(os.path.join(OUT, "training_log.json"),
                 lambda p: json.dump(log, open(p, "w"), indent=2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--eval-orders", default="confidence")
    ap.add_argument("--state", default="/tmp/sudoku-llada-state.pt")
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    data = sd.TrainingGrids(DATA_SEED)
    puzzles, _, heldout_solutions = load_heldout()

    model = LLaDASmall(VOCAB, rope_theta=ROPE_THETA, **SIZES)
    # Model selection on puzzles of their own seed, never on the held-out set.
    vrng = random.Random(VAL_SEED)
    val = [sd.make_puzzle(vrng, 40, 52)[0] for _ in range(VAL_N)]
    assert not {sd.grid_string(p) for p in val} & {sd.grid_string(p) for p in puzzles.tolist()}
    val = torch.tensor(val)
    n_params = sum(p.numel() for p in model.parameters())
    opt = adamw(model, LR, (0.9, 0.98), WEIGHT_DECAY)

    def lr_at(step):
        return warmup_cosine(step, LR, WARMUP, args.steps)

    log = {"seed": SEED, "data_seed": DATA_SEED, "steps": args.steps, "batch": BATCH, "lr": LR,
           "init": "random (seeded)", "validation": f"{VAL_N} puzzles, seed {VAL_SEED}, 40-52 blanks",
           "warmup": WARMUP, "weight_decay": WEIGHT_DECAY, "t_range": [T_MIN, T_MAX],
           "parameters": n_params, "sizes": SIZES, "rope_theta": ROPE_THETA, "vocab": VOCAB,
           "threads": args.threads,
           "layout": "145-position canvas, cell (r, c) at 17 r + c, <|gap|> (11) elsewhere; "
                     "digits 1-9, mask 10",
           "heldout": "models/sudoku-llada/heldout.jsonl",
           "heldout_overlap": 0, "curve": [], "evals": [], "seconds": 0.0, "completed_steps": 0,
           "best": None}
    start_step, ema = 0, None
    if args.resume and os.path.exists(args.state):
        st = torch.load(args.state, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        gen.set_state(st["gen"])
        data.np_rng.bit_generator.state = st["data_rng"]
        log, start_step, ema = st["log"], st["step"], st["ema"]
        # A longer --steps on resume is a warm restart of the cosine schedule; the log keeps
        # every phase so the run can be repeated command for command.
        log.setdefault("phases", [{"from_step": 0, "steps": log["steps"],
                                   "threads": log["threads"]}])
        log["phases"].append({"from_step": start_step, "steps": args.steps,
                              "threads": args.threads})
        log["steps"], log["threads"] = args.steps, args.threads
        print(f"resumed at step {start_step}", flush=True)

    t0 = time.time() - log["seconds"]
    if start_step == 0:
        model.eval()
        entry = {"step": 0, "seconds": 0.0, "confidence": accuracy(solve(model, val, "confidence"), val)}
        log["evals"].append(entry)
        log["best"] = entry
        print("eval (validation)", entry, flush=True)
        save_model(model, log)
    model.train()
    for step in range(start_step, args.steps):
        grids_np = data.batch(BATCH)
        log["heldout_overlap"] += sd.overlap(grids_np, heldout_solutions)
        loss = diffusion_loss(model, torch.from_numpy(grids_np), gen)
        optimizer_step(opt, model, loss, lr_at(step))
        ema = loss.item() if ema is None else 0.97 * ema + 0.03 * loss.item()
        done = step + 1
        log["completed_steps"], log["seconds"] = done, round(time.time() - t0, 1)
        if step % 20 == 0 or done == args.steps:
            log["curve"].append({"step": done, "loss_ema": round(ema, 4),
                                 "lr": round(lr_at(step), 6), "seconds": log["seconds"]})
            print(log["curve"][-1], flush=True)
        if done % args.eval_every == 0 or done == args.steps:
            model.eval()
            entry = {"step": done, "seconds": log["seconds"]}
            for order in args.eval_orders.split(","):
                g = torch.Generator().manual_seed(1)
                entry[order] = accuracy(solve(model, val, order, g), val)
            model.train()
            log["evals"].append(entry)
            print("eval (validation)", entry, flush=True)
            if log["best"] is None or entry["confidence"] >= log["best"]["confidence"]:
                log["best"] = entry
                save_model(model, log)
        if done % args.save_every == 0 or done == args.steps:
            save_model(model, log, weights=False)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "gen": gen.get_state(), "data_rng": data.np_rng.bit_generator.state,
                        "log": log, "step": done, "ema": ema}, args.state + ".tmp")
            os.replace(args.state + ".tmp", args.state)
    print(f"done: {log['completed_steps']} steps, {log['seconds']} s, overlap "
          f"{log['heldout_overlap']}", flush=True)


if __name__ == "__main__":
    main()
