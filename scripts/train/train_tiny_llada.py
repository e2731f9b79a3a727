#!/usr/bin/env python3
"""Train a small LLaDA-layout model with LLaDA's masked-diffusion loss, on CPU, in minutes.

    FAST_DLLM_DIR=/tmp/ref/NVlabs+Fast-dLLM LLADA_DIR=/tmp/ref/ML-GSAI+LLaDA \
        python3 scripts/train/train_tiny_llada.py [--steps N]

Writes models/tiny-llada-trained/: config.json (LLaDA-8B's fields, small sizes), model.safetensors
(bf16), tokenizer.json / tokenizer_config.json / special_tokens_map.json (LLaDA-style, as the
fixtures), and training_log.json (settings, loss curve, final loss, samples from LLaDA's generate()).

* Corpus: English text found offline on this machine: the docstrings of the Python standard
  library (parsed with `ast`, sorted by path) and /usr/share/common-licenses. Another machine with
  another Python gives a slightly different corpus, so the weights are reproducible only on the
  same machine; the fixtures' goldens do not depend on this model.
* Model: Fast-dLLM's LLaDAModelLM itself (so the state dict has LLaDA-8B's tensor names), with its
  own "mitchell" init, seeded.
* Loss: LLaDA's pre-training loss (GUIDELINES.md `forward_process`): t ~ U(0,1) (stratified
  over the batch),
  p_mask = (1 - eps) t + eps, each token masked with probability p_mask, cross-entropy on the masked
  tokens divided by p_mask, summed, divided by batch * length.
* One thread; the number of steps is fixed (not time-based) so a run is deterministic.
"""

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import ast  # noqa: E402
import glob  # noqa: E402
import inspect  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import sysconfig  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import make_model_fixtures as mf  # noqa: E402
import refload  # noqa: E402

from llada_small import adamw, diffusion_loss, optimizer_step, warmup_cosine  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

REPO = mf.REPO
OUT = os.path.join(REPO, "models", "tiny-llada-trained")
SEED = 1234

VOCAB_TOTAL, VOCAB_BPE = 512, 464
SIZES = {"d_model": 128, "n_layers": 4, "n_heads": 4, "n_kv_heads": 4, "mlp_hidden_size": 384}
SEQ_LEN, BATCH = 128, 16
LR, WARMUP, WEIGHT_DECAY = 3e-3, 50, 0.1


def stdlib_docstrings(limit_chars):
    root = sysconfig.get_paths()["stdlib"]
    skip = ("/test/", "/tests/", "/idlelib/", "/lib2to3/", "/site-packages/", "/ensurepip/", "/turtledemo/")
    out, total = [], 0
    for path in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
        if any(s in path for s in skip):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        nodes = [tree] + [n for n in ast.walk(tree)
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        for node in nodes:
            doc = ast.get_docstring(node, clean=False)
            if not doc or len(doc) < 120:
                continue
            doc = inspect.cleandoc(doc)
            out.append(doc)
            total += len(doc)
            if total >= limit_chars:
                return out
    return out


def licenses():
    out = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                out.append(f.read())
    return out


def reflow(doc):
    """Collapse whitespace inside paragraphs (licenses and docstrings are indented and wrapped; left
    as is, runs of spaces become the most frequent tokens and greedy decoding emits only spaces)."""
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", doc)]
    return "\n".join(p for p in paras if p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--corpus-chars", type=int, default=3_000_000)
    args = ap.parse_args()

    conf, modeling = refload.llada_modeling()
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    docs = [reflow(d) for d in licenses() + stdlib_docstrings(args.corpus_chars)]
    corpus_chars = sum(len(d) for d in docs)
    tok, ids, vocab = mf.make_llada_tokenizer(docs, total=VOCAB_TOTAL, bpe=VOCAB_BPE)
    eos, mask = ids["<|endoftext|>"], ids["<|mdm_mask|>"]
    stream = []
    for enc in tok.encode_batch(docs):
        stream += enc.ids + [eos]
    data = torch.tensor(stream, dtype=torch.long)
    n_val = len(data) // 50
    train, val = data[:-n_val], data[-n_val:]
    print(f"corpus: {len(docs)} documents, {corpus_chars} chars, {len(data)} tokens")

    cfg = mf.llada_config(vocab, ids, gqa=False)
    cfg.update(SIZES)
    model = modeling.LLaDAModelLM(conf.LLaDAConfig(**cfg), init_params=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.2f} M parameters")

    def logits_of(ids):
        return model(input_ids=ids).logits

    opt = adamw(model, LR, (0.9, 0.95), WEIGHT_DECAY)

    def lr_at(step):
        return warmup_cosine(step, LR, WARMUP, args.steps)

    def batch_from(source, g):
        starts = torch.randint(0, len(source) - SEQ_LEN, (BATCH,), generator=g)
        return torch.stack([source[s:s + SEQ_LEN] for s in starts.tolist()])

    def val_loss():
        g = torch.Generator().manual_seed(SEED + 1)
        model.eval()
        with torch.no_grad():
            losses = [diffusion_loss(logits_of, batch_from(val, g), mask, g).item() for _ in range(8)]
        model.train()
        return float(np.mean(losses))

    log, t0, ema = [], time.time(), None
    model.train()
    for step in range(args.steps):
        loss = diffusion_loss(logits_of, batch_from(train, gen), mask, gen)
        optimizer_step(opt, model, loss, lr_at(step))
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 100 == 0 or step == args.steps - 1:
            entry = {"step": step, "train_loss_ema": round(ema, 4), "lr": lr_at(step),
                     "seconds": round(time.time() - t0, 1)}
            if step % 350 == 0 or step == args.steps - 1:
                entry["val_loss"] = round(val_loss(), 4)
            log.append(entry)
            print(entry, flush=True)
    train_seconds = time.time() - t0

    # ---- save (bf16) --------------------------------------------------------------------------
    os.makedirs(OUT, exist_ok=True)
    mf.write_json(os.path.join(OUT, "config.json"), cfg)
    state = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in sorted(model.state_dict().items())}
    save_file(state, os.path.join(OUT, "model.safetensors"), metadata={"format": "pt"})
    mf.save_llada_tokenizer(OUT, tok, ids)

    # ---- samples from LLaDA's generate() on the saved (bf16 -> f32) weights ----------------------
    ref = mf.reference_llada(OUT)
    llada_gen = refload.load_llada_generate(eos, ids["<|eot_id|>"])
    samples = []
    for prompt in ["The license", "This function returns", "If the file"]:
        p = torch.tensor([tok.encode(prompt).ids])
        for block, temperature in ((32, 0.0), (4, 0.0), (4, 0.8)):
            torch.manual_seed(SEED)
            out = llada_gen.generate(ref, p, torch.ones_like(p), steps=32, gen_length=32, block_length=block,
                                     temperature=temperature, mask_id=mask)
            samples.append({"prompt": prompt, "steps": 32, "gen_length": 32, "block_length": block,
                            "temperature": temperature, "torch_seed": SEED,
                            "output": tok.decode(out[0, p.shape[1]:].tolist(), skip_special_tokens=False)})
            print(samples[-1])
    final_val = val_loss()
    mf.write_json(os.path.join(OUT, "training_log.json"), {
        "seed": SEED, "steps": args.steps, "batch": BATCH, "seq_len": SEQ_LEN, "lr": LR, "warmup": WARMUP,
        "weight_decay": WEIGHT_DECAY, "parameters": n_params, "sizes": SIZES, "vocab": vocab,
        "corpus": {"sources": ["/usr/share/common-licenses/*", "Python stdlib docstrings (" +
                               sysconfig.get_paths()["stdlib"] + ")"],
                   "documents": len(docs), "chars": corpus_chars, "tokens": len(data)},
        "corpus_preprocessing": "whitespace collapsed inside paragraphs, paragraphs joined by newlines",
        "loss": "LLaDA masked-diffusion loss (GUIDELINES.md), nats per token position",
        "final_train_loss_ema": round(ema, 4), "final_val_loss": round(final_val, 4),
        "train_seconds": round(train_seconds, 1), "threads": 1,
        "log": log, "samples": samples,
    })
    print(f"final train loss (EMA) {ema:.4f}, val loss {final_val:.4f}, {train_seconds:.0f} s")


if __name__ == "__main__":
    main()
