"""Constraint-wired initialization of the Sudoku model (naked singles), before training.

A from-scratch run on this shared 2-core machine (about 0.2 of a core) learned little in 350
steps (loss 1.77 nats against ln 9 = 2.20; no held-out puzzle solved), far from the ~10^6
puzzles published Sudoku transformers train on. So the first two blocks and the head are set by
hand to compute Sudoku's constraints, and training (the same masked-diffusion loss) starts from
there. Everything else keeps the random init. The layout stays LLaDA's; nothing in Unmask knows.

Residual dims (d_model 128):
  0-8 row, 9-17 column, 18-26 box one-hots (cell-prompt tokens); 27-35 digit one-hot (digit
  tokens); 36 mask; 37 "is a cell-prompt token"; 38 constant 1 (every token);
  40-66 row/column/box of the cell, copied by block 0 from its prompt token 81 back;
  70-78 / 79-87 / 88-96 digits present in the cell's row / column / box (block 1).
Block 0, head 0: constant query and key on the 8 fastest rotary pairs, the query turned by
  -81·θ_i, so the score is A·Σ_i cos(θ_i (m - n - 81)): it peaks at the prompt token exactly 81
  back (keys other than prompt tokens are 0). Value: that token's row/column/box one-hots.
Block 1, heads 0-2 (row, column, box): query and key are the copied one-hots on the slow rotary
  pairs (they turn by < 0.25 rad over 162 positions, so the match is on content), with a large
  penalty on prompt-token keys; value: the key's digit one-hot. The output is the mean one-hot
  of the digits in the cell's unit.
Head: logit(digit d) = -γ · (present in row + column + box); other tokens -10 · constant. A cell
  with one candidate left (a naked single) gets a confident prediction; cells with several
  candidates split their probability, so confidence order fills forced cells first.
"""

import math

import torch

ROW, COL, BOX, DIGIT, MASKD, PREFIX, CONST = 0, 9, 18, 27, 36, 37, 38
COPY, AGG = 40, 70


@torch.no_grad()
def wire(model, mask_id, cell0, rope_theta, alpha=5.0, beta=4.0, penalty=6.0, gamma=8.0):
    tr = model.model.transformer
    d = tr.wte.weight.shape[1]
    hd = d // model.heads
    half = hd // 2
    inv = 1.0 / rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)

    emb = tr.wte.weight
    emb[:, :100] = 0
    emb[:, CONST] = 1.0
    for c in range(81):
        r, k = divmod(c, 9)
        t = cell0 + c
        emb[t, ROW + r] = emb[t, COL + k] = emb[t, BOX + (r // 3) * 3 + k // 3] = 1.0
        emb[t, PREFIX] = 1.0
    for digit in range(1, 10):
        emb[digit, DIGIT + digit - 1] = 1.0
    emb[mask_id, MASKD] = 1.0

    # Block 0, head 0: find the prompt token 81 back, copy its row/column/box.
    b0 = tr.blocks[0]
    for w in (b0.q_proj.weight, b0.k_proj.weight, b0.v_proj.weight):
        w[:hd] = 0
    for i in range(8):
        b0.q_proj.weight[i, CONST] = alpha * math.cos(81 * inv[i])
        b0.q_proj.weight[i + half, CONST] = -alpha * math.sin(81 * inv[i])
        b0.k_proj.weight[i, PREFIX] = 1.0
    for j in range(27):
        b0.v_proj.weight[j, ROW + j] = 1.0
    b0.attn_out.weight[:, :hd] = 0
    b0.attn_out.weight[:100] = 0
    for j in range(27):
        b0.attn_out.weight[COPY + j, j] = 0.2

    # Block 1, heads 0-2: digits present in the cell's row, column, box.
    b1 = tr.blocks[1]
    slow = [8, 9, 10, 11, 12, 13, 14, 15, 24]  # dims of the slow rotary pairs (θ <= 0.0014)
    pen = 25
    b1.attn_out.weight[:100] = 0
    for h in range(3):
        lo = h * hd
        for w in (b1.q_proj.weight, b1.k_proj.weight, b1.v_proj.weight):
            w[lo:lo + hd] = 0
        for j in range(9):
            b1.q_proj.weight[lo + slow[j], COPY + 9 * h + j] = beta
            b1.k_proj.weight[lo + slow[j], COPY + 9 * h + j] = 1.0
            b1.v_proj.weight[lo + j, DIGIT + j] = 1.0
        b1.q_proj.weight[lo + pen, CONST] = penalty
        b1.k_proj.weight[lo + pen, PREFIX] = -1.0
        b1.attn_out.weight[:, lo:lo + hd] = 0
        for j in range(9):
            b1.attn_out.weight[AGG + 9 * h + j, lo + j] = 1.0

    # Later blocks write nothing into the wired dims at first.
    for block in tr.blocks:
        block.ff_out.weight[:100] = 0
    for block in tr.blocks[2:]:
        block.attn_out.weight[:100] = 0

    head = tr.ff_out.weight
    head.zero_()
    for t in range(head.shape[0]):
        if 1 <= t <= 9:
            for base in (AGG, AGG + 9, AGG + 18):
                head[t, base + t - 1] = -gamma
        else:
            head[t, CONST] = -10.0

