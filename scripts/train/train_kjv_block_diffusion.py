#!/usr/bin/env python3
"""Convert models/kjv-llada to a dense LLaDA2 checkpoint and fine-tune it as a block-diffusion
model (SDAR / BD3-LM style), writing models/kjv-llada2-bd.

    bash scripts/train/kjv_corpus.sh /tmp/kjv.txt            # the corpus, from Debian packages
    python3 scripts/train/train_kjv_block_diffusion.py --corpus /tmp/kjv.txt --convert-only
    python3 scripts/train/train_kjv_block_diffusion.py --corpus /tmp/kjv.txt --steps 400 \
        --threads 1 --eval-every 1000                    # the shipped run (evaluates at the end)
    python3 scripts/train/train_kjv_block_diffusion.py --corpus /tmp/kjv.txt \
        --eval-only models/kjv-llada2-bd --eval-batches 32

* Conversion (`--convert-only` writes it, unchanged weights): kjv-llada's LLaDA tensors renamed
  to LLaDA2's (`model.word_embeddings`, `model.layers.N.{input_layernorm,
  attention.query_key_value, attention.dense, post_attention_layernorm, mlp.{gate,up,down}_proj}`,
  `model.norm`, `lm_head`); the fused `query_key_value` is the rows of q_proj, k_proj, v_proj
  concatenated in that order. config.json is LLaDA2's (`llada2_moe`) with `num_experts: null`
  (every layer dense), no QK-norm, no biases, `partial_rotary_factor` 1 (RoPE on every
  dimension, as LLaDA), RMSNorm eps 1e-5, RoPE theta 10000. Under the full mask its logits are
  kjv-llada's (Unmask: `unmask logits --attention full`).
* Objective: block diffusion. A window of 128 tokens is cut into blocks of B; each block gets its
  own t ~ U(0, 1), p_mask = (1 - eps) t + eps, and the loss is the cross-entropy of its masked
  tokens / p_mask given the block's noisy tokens and the CLEAN previous blocks, summed and divided
  by batch * length: the negative ELBO of the block-autoregressive factorisation, an upper bound
  on the NLL per token. BD3-LM's vectorised form: one forward of concat(x_t, x_0) (length 2L),
  both halves at positions 0..L-1, under the mask: noisy block b sees noisy block b and clean
  blocks < b; clean block b sees clean blocks <= b. Loss on x_t's masked positions only. Logits
  are unshifted (row i predicts position i), as LLaDA2. B is drawn per batch from {4, 8, 16, 32}
  so that one model serves every block size of the sweep.
* Held-out: the same loss on fixed held-out windows (seeded) at B = 4, 8, 16, 32 and at B = 128
  (one block: LLaDA's masked-diffusion loss under full bidirectional attention, the estimator of
  kjv-llada's `held_out_loss`).
* Data: kjv-llada's: the same chapters, the same held-out split (every 50th chapter), kjv-llada's
  tokenizer (read from models/kjv-llada/tokenizer.json, not retrained).

A resumable state (weights, optimizer, RNGs) goes to --state every --save-every steps; `--resume`
continues. The number of steps is fixed, so a seed reproduces the run on the same machine and
torch build. Every file is written atomically.
"""

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llada_small import LLaDASmall, adamw, optimizer_step, warmup_cosine  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from train_kjv_llada import (  # noqa: E402
    HELD_OUT_EVERY, PROMPTS, chapters, split_chapters, token_stream)

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SRC = os.path.join(REPO, "models", "kjv-llada")
OUT = os.path.join(REPO, "models", "kjv-llada2-bd")
SEED = 1612
SEQ_LEN, BATCH = 128, 16
BLOCKS = (4, 8, 16, 32)
EVAL_BLOCKS = (4, 8, 16, 32, 128)
LR, WARMUP, WEIGHT_DECAY = 2e-4, 20, 0.1
EPS = 1e-3
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def atomic(path, write):
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def write_json(path, obj):
    def w(p):
        with open(p, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    atomic(path, w)


def llada2_config(src):
    """LLaDA2's config.json (`configuration_llada2_moe.py` keys) for kjv-llada's sizes, dense."""
    d, heads = src["d_model"], src["n_heads"]
    return {
        "architectures": ["LLaDA2MoeModelLM"], "model_type": "llada2_moe",
        "vocab_size": src["vocab_size"], "hidden_size": d,
        "intermediate_size": src["mlp_hidden_size"], "num_hidden_layers": src["n_layers"],
        "num_attention_heads": heads, "num_key_value_heads": src["n_kv_heads"],
        "head_dim": d // heads, "hidden_act": "silu", "use_qkv_bias": False,
        "use_qk_norm": False, "use_bias": False, "use_rmsnorm": True,
        "rms_norm_eps": src["rms_norm_eps"], "tie_word_embeddings": False,
        "rope_theta": src["rope_theta"], "rope_scaling": None, "partial_rotary_factor": 1.0,
        "num_experts": None, "num_shared_experts": None, "num_experts_per_tok": 1,
        "first_k_dense_replace": src["n_layers"], "moe_intermediate_size": None,
        "max_position_embeddings": src["max_sequence_length"],
        "eos_token_id": src["eos_token_id"], "pad_token_id": src["pad_token_id"],
        "mask_token_id": src["mask_token_id"], "attention_dropout": 0.0,
        "embedding_dropout": 0.0, "output_dropout": 0.0, "torch_dtype": "bfloat16",
    }


def to_llada2(state, n_layers):
    """kjv-llada's tensor names (LLaDA) -> LLaDA2's; q, k, v fused in that order."""
    t = "model.transformer."
    out = {"model.word_embeddings.weight": state[t + "wte.weight"],
           "model.norm.weight": state[t + "ln_f.weight"],
           "lm_head.weight": state[t + "ff_out.weight"]}
    for i in range(n_layers):
        b, p = f"{t}blocks.{i}.", f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = state[b + "attn_norm.weight"]
        out[p + "attention.query_key_value.weight"] = torch.cat(
            [state[b + "q_proj.weight"], state[b + "k_proj.weight"], state[b + "v_proj.weight"]])
        out[p + "attention.dense.weight"] = state[b + "attn_out.weight"]
        out[p + "post_attention_layernorm.weight"] = state[b + "ff_norm.weight"]
        out[p + "mlp.gate_proj.weight"] = state[b + "ff_proj.weight"]
        out[p + "mlp.up_proj.weight"] = state[b + "up_proj.weight"]
        out[p + "mlp.down_proj.weight"] = state[b + "ff_out.weight"]
    return out


def write_folder(model, cfg, n_layers, log):
    os.makedirs(OUT, exist_ok=True)
    write_json(os.path.join(OUT, "config.json"), cfg)
    state = {k: v.detach().to(torch.bfloat16).contiguous()
             for k, v in sorted(to_llada2(model.state_dict(), n_layers).items())}
    atomic(os.path.join(OUT, "model.safetensors"),
           lambda p: save_file(state, p, metadata={"format": "pt"}))
    for name in TOKENIZER_FILES:
        atomic(os.path.join(OUT, name), lambda p, n=name: shutil.copyfile(os.path.join(SRC, n), p))
    write_json(os.path.join(OUT, "unmask.json"), {
        "task": "text",
        "description": "kjv-llada converted to LLaDA2 and fine-tuned as a block-diffusion model "
                       "(King James Bible, public domain)"})
    write_json(os.path.join(OUT, "training_log.json"), log)


_masks = {}


def bd_mask(length, block):
    """[2L, 2L] bool (True = attend) over concat(x_t, x_0): noisy block b sees noisy block b and
    clean blocks < b; clean block b sees clean blocks <= b."""
    key = (length, block)
    if key not in _masks:
        blk = torch.arange(length) // block
        same = blk[:, None] == blk[None, :]
        before = blk[:, None] > blk[None, :]
        upto = blk[:, None] >= blk[None, :]
        top = torch.cat([same, before], dim=1)
        bottom = torch.cat([torch.zeros_like(same), upto], dim=1)
        _masks[key] = torch.cat([top, bottom], dim=0)
    return _masks[key]


def bd_loss(model, batch, mask_id, block, generator):
    """Block-diffusion loss (nats per token position) of `batch` [N, L] with blocks of `block`;
    `block == L` is LLaDA's loss with one t per sequence under the full mask (one forward of L)."""
    n, length = batch.shape
    blocks = length // block
    t = torch.rand((n, blocks), generator=generator)
    p_mask = ((1 - EPS) * t + EPS).repeat_interleave(block, dim=1)
    masked = torch.rand((n, length), generator=generator) < p_mask
    noisy = torch.where(masked, torch.full_like(batch, mask_id), batch)
    if block == length:
        logits = model(noisy)
    else:
        pos = torch.arange(length).repeat(2)
        logits = model(torch.cat([noisy, batch], dim=1), attn_mask=bd_mask(length, block),
                       positions=pos)[:, :length]
    token_loss = F.cross_entropy(logits[masked], batch[masked], reduction="none") / p_mask[masked]
    return token_loss.sum() / (n * length)


@torch.no_grad()
def block_samples(model, tok, mask_id, block=8, length=32):
    """Greedy block-by-block decoding (one token per pass, highest confidence first) under the
    block-causal mask over prompt + canvas: a quick look during training."""
    out = []
    for prompt in PROMPTS:
        p = tok.encode(prompt).ids
        x = torch.tensor([p + [mask_id] * length])
        n = x.shape[1]
        blk = torch.arange(n) // block
        causal = blk[:, None] >= blk[None, :]
        for _ in range(length):
            masked = x[0] == mask_id
            if not masked.any():
                break
            first = int(masked.nonzero()[0])
            in_block = masked & (blk == blk[first])
            probs = model(x, attn_mask=causal)[0].float().softmax(-1)
            conf, pred = probs.max(-1)
            conf = torch.where(in_block, conf, torch.full_like(conf, -1.0))
            i = int(conf.argmax())
            x[0, i] = pred[i]
        out.append(prompt + tok.decode(x[0, len(p):].tolist()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="the `bible` program's output")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=25)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-batches", type=int, default=8)
    ap.add_argument("--state", default="/tmp/kjv-llada2-bd-state.pt")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--initial-eval-from", default=None, metavar="TRAINING_LOG",
                    help="take the step-0 eval from this training_log.json (an earlier run's: "
                         "the same weights, windows and noise give the same numbers) instead of "
                         "computing it again")
    ap.add_argument("--convert-only", action="store_true",
                    help="write kjv-llada's weights, unchanged, as the LLaDA2 folder and stop")
    ap.add_argument("--eval-only", default=None, metavar="FOLDER",
                    help="print the held-out losses of a written LLaDA2 folder (or kjv-llada)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    src_cfg = json.load(open(os.path.join(SRC, "config.json")))
    cfg = llada2_config(src_cfg)
    n_layers = src_cfg["n_layers"]
    tok = Tokenizer.from_file(os.path.join(SRC, "tokenizer.json"))
    eos, mask = src_cfg["eos_token_id"], src_cfg["mask_token_id"]
    assert tok.token_to_id("<|mdm_mask|>") == mask and tok.token_to_id("<|endoftext|>") == eos

    docs = chapters(args.corpus)
    train_docs, held_docs = split_chapters(docs)

    train, held = token_stream(tok, train_docs, eos), token_stream(tok, held_docs, eos)
    print(f"corpus: {len(docs)} chapters, {len(train)} training tokens, {len(held)} held out",
          flush=True)

    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = LLaDASmall(src_cfg["vocab_size"], src_cfg["d_model"], n_layers, src_cfg["n_heads"],
                       src_cfg["mlp_hidden_size"], rope_theta=src_cfg["rope_theta"])
    model.load_state_dict({k: v.float() for k, v in
                           load_file(os.path.join(SRC, "model.safetensors")).items()})
    n_params = sum(p.numel() for p in model.parameters())

    def batch_from(source, g, n=BATCH):
        starts = torch.randint(0, len(source) - SEQ_LEN, (n,), generator=g)
        return torch.stack([source[s:s + SEQ_LEN] for s in starts.tolist()])

    def held_out(batches=args.eval_batches):
        """{block: loss} on the same held-out windows and noise for every block size."""
        model.eval()
        out = {}
        with torch.no_grad():
            for b in EVAL_BLOCKS:
                g = torch.Generator().manual_seed(SEED + 1)
                out[str(b)] = round(float(np.mean([
                    bd_loss(model, batch_from(held, g, 32), mask, b, g).item()
                    for _ in range(batches)])), 4)
        model.train()
        return out

    if args.convert_only:
        log = {"converted_from": "models/kjv-llada", "completed_steps": 0}
        write_folder(model, cfg, n_layers, log)
        print(f"wrote {OUT} (kjv-llada's weights, unchanged)", flush=True)
        return
    if args.eval_only:
        if os.path.abspath(args.eval_only) != SRC:
            st = load_file(os.path.join(args.eval_only, "model.safetensors"))
            model.load_state_dict({k: v.float() for k, v in from_llada2(st, n_layers).items()})
        t0 = time.time()
        print(json.dumps(held_out()), f"({time.time() - t0:.0f} s)", flush=True)
        return

    opt = adamw(model, LR, (0.9, 0.95), WEIGHT_DECAY)

    def lr_at(step):
        return warmup_cosine(step, LR, WARMUP, args.steps)

    log = {"seed": SEED, "steps": args.steps, "batch": BATCH, "seq_len": SEQ_LEN, "lr": LR,
           "warmup": WARMUP, "weight_decay": WEIGHT_DECAY, "parameters": n_params,
           "block_sizes": list(BLOCKS), "eval_block_sizes": list(EVAL_BLOCKS),
           "threads": args.threads, "init": "models/kjv-llada (converted to LLaDA2, exact)",
           "corpus": {"source": "Debian bible-kjv-text 4.38 via bible-kjv's "
                                "`bible gen1:1-rev22:21`",
                      "chapters": len(docs), "held_out": f"every {HELD_OUT_EVERY}th chapter",
                      "train_tokens": len(train), "held_out_tokens": len(held)},
           "loss": "block-diffusion loss (BD3-LM / SDAR), nats per token position; "
                   "held_out[B]: blocks of B (128 = one block, full attention = LLaDA's loss), "
                   f"{args.eval_batches} x 32 held-out windows, fixed seed",
           "curve": [], "evals": [], "seconds": 0.0, "completed_steps": 0}
    start, ema = 0, None
    if args.resume and os.path.exists(args.state):
        st = torch.load(args.state, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        gen.set_state(st["gen"])
        torch.set_rng_state(st["torch_rng"])
        log, start, ema = st["log"], st["step"], st["ema"]
        print(f"resumed at step {start}", flush=True)
    log.setdefault("phases", []).append({"from_step": start, "steps": args.steps,
                                         "threads": args.threads})
    if start == 0 and args.initial_eval_from:
        entry = json.load(open(args.initial_eval_from))["evals"][0]
        assert entry["step"] == 0, entry
        log["evals"].append(entry)
        print(entry, "(from", args.initial_eval_from + ")", flush=True)
    elif start == 0:
        t0 = time.time()
        entry = {"step": 0, "held_out": held_out(), "samples": block_samples(model, tok, mask)}
        entry["seconds"] = round(time.time() - t0, 1)
        log["evals"].append(entry)
        print(entry, flush=True)

    t0 = time.time() - log["seconds"]
    model.train()
    for step in range(start, args.steps):
        block = BLOCKS[int(torch.randint(0, len(BLOCKS), (1,), generator=gen))]
        loss = bd_loss(model, batch_from(train, gen), mask, block, gen)
        optimizer_step(opt, model, loss, lr_at(step))
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        done = step + 1
        log["completed_steps"], log["seconds"] = done, round(time.time() - t0, 1)
        if done % 10 == 0 or done == args.steps:
            log["curve"].append({"step": done, "train_loss_ema": round(ema, 4),
                                 "lr": round(lr_at(step), 6), "seconds": log["seconds"]})
            print(log["curve"][-1], flush=True)
        if done % args.eval_every == 0 or done == args.steps:
            entry = {"step": done, "held_out": held_out(),
                     "samples": block_samples(model, tok, mask)}
            log["evals"].append(entry)
            print(entry, flush=True)
        if done % args.save_every == 0 or done == args.steps:
            if done == args.steps:
                log["final_held_out"] = log["evals"][-1]["held_out"]
            write_folder(model, cfg, n_layers, log)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "gen": gen.get_state(), "torch_rng": torch.get_rng_state(), "log": log,
                        "step": done, "ema": ema}, args.state + ".tmp")
            os.replace(args.state + ".tmp", args.state)
    print(f"done: {log['completed_steps']} steps, {log['seconds']} s, held-out "
          f"{log.get('final_held_out')}", flush=True)


def from_llada2(state, n_layers):
    """LLaDA2's tensor names -> kjv-llada's (the inverse of `to_llada2`)."""
    t = "model.transformer."
    out = {t + "wte.weight": state["model.word_embeddings.weight"],
           t + "ln_f.weight": state["model.norm.weight"],
           t + "ff_out.weight": state["lm_head.weight"]}
    for i in range(n_layers):
        b, p = f"{t}blocks.{i}.", f"model.layers.{i}."
        out[b + "attn_norm.weight"] = state[p + "input_layernorm.weight"]
        q, k, v = state[p + "attention.query_key_value.weight"].chunk(3)
        out[b + "q_proj.weight"], out[b + "k_proj.weight"], out[b + "v_proj.weight"] = q, k, v
        out[b + "attn_out.weight"] = state[p + "attention.dense.weight"]
        out[b + "ff_norm.weight"] = state[p + "post_attention_layernorm.weight"]
        out[b + "ff_proj.weight"] = state[p + "mlp.gate_proj.weight"]
        out[b + "up_proj.weight"] = state[p + "mlp.up_proj.weight"]
        out[b + "ff_out.weight"] = state[p + "mlp.down_proj.weight"]
    return out


if __name__ == "__main__":
    main()
