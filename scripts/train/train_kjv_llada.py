#!/usr/bin/env python3
"""Train the README's default text model, models/kjv-llada, on the King James Bible.

    bash scripts/train/kjv_corpus.sh /tmp/kjv.txt            # the corpus, from Debian packages
    python3 scripts/train/train_kjv_llada.py --corpus /tmp/kjv.txt [--steps 1500] [--threads 1]
    FAST_DLLM_DIR=... python3 scripts/train/train_kjv_llada.py --corpus /tmp/kjv.txt --check-only

Writes models/kjv-llada/: config.json (LLaDA-8B's fields, small sizes), model.safetensors (bf16),
tokenizer.json / tokenizer_config.json / special_tokens_map.json (LLaDA-style), unmask.json and
training_log.json (settings, loss curve, held-out loss, samples), each atomically. A resumable state
(weights, optimizer, RNGs) goes to --state every --save-every steps; `--resume` continues a run
bit for bit, so a run can be stopped and resumed. The number of steps is fixed, not time-based,
so a seed reproduces the weights on the same machine and torch build.

* Corpus: the King James Version (1611; its copyright has expired, see MODEL.md), as Debian's
  bible-kjv-text package carries it, printed by bible-kjv's `bible` program. Verse numbers and
  chapter headings are dropped; a chapter is one document (verses joined by spaces), documents
  are separated by <|endoftext|>. Every 50th chapter is held out and never trained on.
* Tokenizer: byte-level BPE (Llama-3 pre-tokenizer) trained on the training chapters, with
  LLaDA's special tokens after the BPE ids, as the test fixtures.
* Model: scripts/train/llada_small.py (LLaDA-8B's tensor names and math; SDPA for speed).
  `--check-only` loads the written folder into Fast-dLLM's LLaDAModelLM and compares logits.
* Loss: LLaDA's pre-training loss (GUIDELINES.md `forward_process`): t ~ U(0, 1) stratified over
  the batch, p_mask = (1 - eps) t + eps, cross-entropy on masked tokens / p_mask, summed and
  divided by batch * length. Held-out loss is the same estimator on held-out windows with fixed
  seeds: an upper bound on the negative log-likelihood per token (the ELBO).
"""

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import make_model_fixtures as mf  # noqa: E402
from llada_small import LLaDASmall, adamw, diffusion_loss, optimizer_step, warmup_cosine  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

REPO = mf.REPO
OUT = os.path.join(REPO, "models", "kjv-llada")
SEED = 1611
VOCAB_TOTAL, VOCAB_BPE = 2048, 1984
SIZES = {"d_model": 192, "n_layers": 6, "n_heads": 6, "n_kv_heads": 6, "mlp_hidden_size": 512}
ROPE_THETA = 10000.0
SEQ_LEN, BATCH = 128, 32
LR, WARMUP, WEIGHT_DECAY = 2e-3, 100, 0.1
HELD_OUT_EVERY = 50
PROMPTS = ["In the beginning", "And the LORD said unto Moses,", "Blessed are the"]


def chapters(path):
    """[(heading, text)]: the `bible` program's output split at chapter headings."""
    out, heading, verses = [], None, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.fullmatch(r"(\S.*\S) (\d+)", line)
        if m and not line.startswith(" "):
            if heading:
                out.append((heading, " ".join(verses)))
            heading, verses = line, []
            continue
        m = re.match(r"\s+\d+ (.*)", line)
        if m:
            verses.append(m.group(1).strip())
        elif line.strip():
            verses[-1] += " " + line.strip()
    if heading:
        out.append((heading, " ".join(verses)))
    return out



def split_chapters(docs):
    """The training chapters and the held-out ones (every HELD_OUT_EVERY-th), as texts."""
    train = [t for i, (_, t) in enumerate(docs) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]
    held = [t for i, (_, t) in enumerate(docs) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    return train, held


def token_stream(tok, texts, eos):
    """The texts encoded and joined, each followed by `eos`, as one long tensor."""
    s = []
    for enc in tok.encode_batch(texts):
        s += enc.ids + [eos]
    return torch.tensor(s, dtype=torch.long)

def atomic(path, write):
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def write_folder(model, tok, ids, cfg, log):
    os.makedirs(OUT, exist_ok=True)
    atomic(os.path.join(OUT, "config.json"), lambda p: mf.write_json(p, cfg))
    state = {k: v.detach().to(torch.bfloat16).contiguous()
             for k, v in sorted(model.state_dict().items())}
    atomic(os.path.join(OUT, "model.safetensors"),
           lambda p: save_file(state, p, metadata={"format": "pt"}))
    mf.save_llada_tokenizer(OUT, tok, ids)
    atomic(os.path.join(OUT, "unmask.json"), lambda p: mf.write_json(p, {
        "task": "text",
        "description": "LLaDA-layout text model trained on the King James Bible (public domain)"}))
    atomic(os.path.join(OUT, "training_log.json"), lambda p: mf.write_json(p, log))


@torch.no_grad()
def greedy_samples(model, tok, mask_id, steps=32, length=32):
    """LLaDA's low-confidence remasking, greedy, one block: a quick look during training (the
    shipped samples in MODEL.md come from `unmask generate`)."""
    out = []
    for prompt in PROMPTS:
        p = tok.encode(prompt).ids
        x = torch.tensor([p + [mask_id] * length])
        per_step = length // steps
        for _ in range(steps):
            masked = x[0] == mask_id
            if not masked.any():
                break
            probs = model(x)[0].float().softmax(-1)
            conf, pred = probs.max(-1)
            conf = torch.where(masked, conf, torch.full_like(conf, -1.0))
            for i in conf.topk(per_step).indices.tolist():
                x[0, i] = pred[i]
        out.append(prompt + tok.decode(x[0, len(p):].tolist()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="the `bible` program's output")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--state", default="/tmp/kjv-llada-state.pt")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--held-out-text-only", action="store_true",
                    help="write models/kjv-llada/heldout.txt (the held-out chapters) and stop")
    ap.add_argument("--check-only", action="store_true",
                    help="compare the written folder's logits with Fast-dLLM's LLaDAModelLM")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    docs = chapters(args.corpus)
    train_docs, held_docs = split_chapters(docs)
    os.makedirs(OUT, exist_ok=True)
    # For `unmask score --text`: the held-out chapters, one paragraph each.
    atomic(os.path.join(OUT, "heldout.txt"),
           lambda p: open(p, "w", encoding="utf-8").write("\n\n".join(held_docs) + "\n"))
    if args.held_out_text_only:
        return
    tok, ids, vocab = mf.make_llada_tokenizer(train_docs, total=VOCAB_TOTAL, bpe=VOCAB_BPE)
    eos, mask = ids["<|endoftext|>"], ids["<|mdm_mask|>"]

    train, held = token_stream(tok, train_docs, eos), token_stream(tok, held_docs, eos)
    print(f"corpus: {len(docs)} chapters, {len(train)} training tokens, {len(held)} held out",
          flush=True)

    cfg = mf.llada_config(vocab, ids, gqa=False)
    cfg.update(SIZES)
    cfg.update({"rope_theta": ROPE_THETA, "max_sequence_length": 4096})

    if args.check_only:
        check_against_reference(tok)
        return

    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = LLaDASmall(vocab, SIZES["d_model"], SIZES["n_layers"], SIZES["n_heads"],
                       SIZES["mlp_hidden_size"], rope_theta=ROPE_THETA)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.2f} M parameters", flush=True)
    opt = adamw(model, LR, (0.9, 0.95), WEIGHT_DECAY)

    def lr_at(step):
        return warmup_cosine(step, LR, WARMUP, args.steps)

    def batch_from(source, g, n=BATCH):
        starts = torch.randint(0, len(source) - SEQ_LEN, (n,), generator=g)
        return torch.stack([source[s:s + SEQ_LEN] for s in starts.tolist()])

    def held_out_loss(batches=16):
        g = torch.Generator().manual_seed(SEED + 1)
        model.eval()
        with torch.no_grad():
            losses = [diffusion_loss(model, batch_from(held, g), mask, g).item()
                      for _ in range(batches)]
        model.train()
        return float(np.mean(losses))

    log = {"seed": SEED, "steps": args.steps, "batch": BATCH, "seq_len": SEQ_LEN, "lr": LR,
           "warmup": WARMUP, "weight_decay": WEIGHT_DECAY, "parameters": n_params,
           "sizes": SIZES, "rope_theta": ROPE_THETA, "vocab": vocab, "threads": args.threads,
           "corpus": {"source": "Debian bible-kjv-text 4.38 via bible-kjv's `bible gen1:1-rev22:21`",
                      "chapters": len(docs), "held_out": f"every {HELD_OUT_EVERY}th chapter",
                      "train_tokens": len(train), "held_out_tokens": len(held)},
           "loss": "LLaDA masked-diffusion loss (GUIDELINES.md), nats per token position",
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
    # Each run of this script (the first, and every --resume) is a phase. The learning rate is
    # that of a run of --steps steps from step 0, taken up at the saved step: a resume with a
    # larger --steps jumps back up the cosine (step 6500 of 15,500: 2e-4 -> 1.3e-3).
    phases = log.setdefault("phases", [{"from_step": 0, "steps": log["steps"],
                                        "threads": log["threads"]}] if start else [])
    phases.append({"from_step": start, "steps": args.steps, "threads": args.threads})
    log["steps"], log["threads"] = args.steps, args.threads

    t0 = time.time() - log["seconds"]
    model.train()
    for step in range(start, args.steps):
        loss = diffusion_loss(model, batch_from(train, gen), mask, gen)
        optimizer_step(opt, model, loss, lr_at(step))
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        done = step + 1
        log["completed_steps"], log["seconds"] = done, round(time.time() - t0, 1)
        if done % 25 == 0 or done == args.steps:
            log["curve"].append({"step": done, "train_loss_ema": round(ema, 4),
                                 "lr": round(lr_at(step), 6), "seconds": log["seconds"]})
            print(log["curve"][-1], flush=True)
        if done % args.eval_every == 0 or done == args.steps:
            model.eval()
            entry = {"step": done, "held_out_loss": round(held_out_loss(), 4),
                     "samples": greedy_samples(model, tok, mask)}
            model.train()
            log["evals"].append(entry)
            print(entry, flush=True)
            write_folder(model, tok, ids, cfg, log)
        if done % args.save_every == 0 or done == args.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "gen": gen.get_state(), "torch_rng": torch.get_rng_state(), "log": log,
                        "step": done, "ema": ema}, args.state + ".tmp")
            os.replace(args.state + ".tmp", args.state)
    log["final_held_out_loss"] = log["evals"][-1]["held_out_loss"]
    write_folder(model, tok, ids, cfg, log)
    print(f"done: {log['completed_steps']} steps, {log['seconds']} s, held-out loss "
          f"{log['final_held_out_loss']}", flush=True)


def check_against_reference(tok):
    """Logits of the written bf16 folder: this file's model vs Fast-dLLM's LLaDAModelLM."""
    ref = mf.reference_llada(OUT)
    cfg = json.load(open(os.path.join(OUT, "config.json")))
    ours = LLaDASmall(cfg["vocab_size"], cfg["d_model"], cfg["n_layers"], cfg["n_heads"],
                      cfg["mlp_hidden_size"], rope_theta=cfg["rope_theta"])
    ours.load_state_dict({k: v.float() for k, v in ref.state_dict().items()})
    ids = torch.tensor([tok.encode("And God said, Let there be light").ids])
    with torch.no_grad():
        a, b = ours(ids), ref(input_ids=ids).logits
    gap = (a - b).abs().max().item()
    print(f"max |logit gap| vs Fast-dLLM: {gap:.3g}")
    assert gap < 1e-3 * b.abs().max().item(), gap


if __name__ == "__main__":
    main()
