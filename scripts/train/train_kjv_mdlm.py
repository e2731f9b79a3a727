#!/usr/bin/env python3
"""Train the small KJV DiT models, models/kjv-mdlm and models/kjv-bd3lm-b{4,8,16}: MDLM from
scratch, then BD3-LM fine-tuned from it at block sizes 4, 8 and 16 (as the BD3-LM paper
fine-tunes from a pretrained MDLM), and MDLM continued for the same number of steps.

    bash scripts/train/kjv_corpus.sh /tmp/kjv.txt            # the corpus, from Debian packages
    export BD3LMS_DIR=/tmp/ref-dit/bd3lms                    # kuleshov-group/bd3lms, exported:
    #   git --git-dir=<mirror> archive <commit> models | tar -x -C $BD3LMS_DIR
    P="python3 scripts/train/train_kjv_mdlm.py --corpus /tmp/kjv.txt --threads 2"
    $P --family mdlm --steps 3000 --name kjv-mdlm-base       # MDLM from scratch (state only)
    $P --family bd3lm --block-size 4 --init-from kjv-mdlm-base --steps 600 --name kjv-bd3lm-b4
    $P --family bd3lm --block-size 8 --init-from kjv-mdlm-base --steps 600 --name kjv-bd3lm-b8
    $P --family bd3lm --block-size 16 --init-from kjv-mdlm-base --steps 600 --name kjv-bd3lm-b16
    $P --family mdlm --init-from kjv-mdlm-base --steps 600 --name kjv-mdlm   # the fair control
    $P --check-only --unmask /path/to/unmask                 # Swift logits == this file's
    (the step counts actually run are in each MODEL.md and training_log.json)

Each run writes its resumable state (weights, optimizer, RNGs, log) to
/work/train-state/<name>/state.pt (--state-root) every --save-every steps; `--resume` continues a
run bit for bit. `--init-from NAME` starts a new run from the weights of NAME's state (a fresh
optimizer and its own warmup + cosine schedule), as the BD3-LM paper's fine-tunes start from the
pretrained MDLM's weights. A run named kjv-mdlm or kjv-bd3lm-b* writes models/<name>/ (config.json,
model.safetensors in bf16, kjv-llada's tokenizer files, unmask.json, training_log.json),
each file atomically; the base run writes only its state.

* Data: kjv-llada's, imported from train_kjv_llada.py: the same chapters, the same held-out
  split (every 50th chapter), documents joined by <|endoftext|>, random windows of 128 tokens.
  The tokenizer is read from models/kjv-llada/tokenizer.json (not retrained).
* Mask: the model's, as mdlm-owt's (`vocab_size - 1`): vocab_size is 2045, so the mask is id 2044,
  the tokenizer's own `<|mdm_mask|>`. Tokenizer ids 2045-2047 (`<|start_header_id|>`,
  `<|end_header_id|>`, `<|eot_id|>`, chat markup) lie outside the model and never occur in KJV
  text; ids 1986-2043 are reserved tokens the model has rows for but never sees.
* Network: bd3lms' `models/hf/modeling_bd3lm.py` (`BD3LM`, plain torch + SDPA), imported from
  BD3LMS_DIR as scripts/fixtures/make_dit_fixtures.py imports it. MDLM is the same `DITBackbone`
  with `cross_attn: false` (mdlm's `models/dit.py` `DIT` under the names mdlm-owt uses:
  make_dit_fixtures.py checks the two agree). time_conditioning false (as mdlm-owt and bd3lms'
  OWT runs: sigma is zeroed before the backbone), dropout 0 (kjv-llada trained without it).
* MDLM loss: mdlm `diffusion.py` `_loss` -> `_forward_pass_diffusion`, continuous time (T 0),
  SUBS, log-linear noise (eps 1e-3): `_sample_t` draws u ~ U(0,1)^N, antithetic
  (u / N + i / N) mod 1, t = (1 - 1e-3) u + 1e-3; sigma = -log1p(-(1 - eps) t), dsigma =
  (1 - eps) / (1 - (1 - eps) t); x_t masks each token iff rand < 1 - exp(-sigma); the loss is
  -log p_theta(x0 | x_t) dsigma / expm1(sigma) per token (0 where x_t is unmasked: SUBS), summed
  over the batch and divided by N * L.
* BD3-LM loss: bd3lms `diffusion.py` `_loss` -> `_forward_pass_diffusion` (mdlm_loss_scale
  false): one t per block, `_sample_t` antithetic over all N * L/B blocks, t = u (eps_max -
  eps_min) + eps_min; the log-linear `compute_loss_scaling_and_move_chance` gives p = t and
  weight 1/t; x_t masks each token iff rand <= p (`training.resample` true, as its OWT runs: a
  block whose masked fraction falls outside [eps_min, eps_max] is redrawn); the backbone reads
  x_t ⊕ x_0 under `block_diff_mask` (cross_attn); loss -log p_theta / t per token, summed / (N L).
  The clipped schedule [eps_min, eps_max] is bd3lms' variance search (`var_min`,
  `clip_search_widths` [0.5 .. 0.9], delta 0.05, `fix_clipping` false, as
  scripts/train/train_owt_bd3lm.sh): at the start and every --eval-every steps, the interval
  (of (1e-3, 1) and each width's windows) whose per-block losses vary least over fixed training
  windows is used for the next steps; it is stored in the checkpoint's sampling_eps_min/max.
  Not reproduced: `ignore_bos` (bd3lms' OWT sequences start with BOS; these windows are cut
  anywhere, so every token is scored, as MDLM scores it).
* Optimiser: kjv-llada's (AdamW, betas 0.9/0.95, weight decay 0.1 on matrices, gradient norm
  clipped to 1, linear warmup then cosine to 10%), batch 32 x 128, seed 1611 + offsets.
* Held-out NELBO (`heldout_nelbo`): see its docstring; bounds at (eps_min, eps_max) = (1e-3, 1),
  the only interval bd3lms reports as an ELBO.
"""

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import make_dit_fixtures as dit  # noqa: E402
import refload  # noqa: E402
from llada_small import adamw, optimizer_step, warmup_cosine  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from train_kjv_llada import (  # noqa: E402
    HELD_OUT_EVERY, PROMPTS, atomic, chapters, split_chapters, token_stream)

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
LLADA = os.path.join(REPO, "models", "kjv-llada")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
SEED = 1611
VOCAB = 2045  # the mask is VOCAB - 1 = 2044, the tokenizer's <|mdm_mask|>
MASK = VOCAB - 1
EOS = 1985
SIZES = {"hidden_dim": 192, "n_blocks": 6, "n_heads": 6, "cond_dim": 128}
SEQ_LEN, BATCH = 128, 32
WARMUP, WEIGHT_DECAY, BETAS = 100, 0.1, (0.9, 0.95)
NOISE_EPS = 1e-3  # LogLinearNoise(eps=1e-3), both repositories' default
SAMPLING_EPS = 1e-3  # training.sampling_eps
CLIP_WIDTHS, CLIP_DELTA = (0.5, 0.6, 0.7, 0.8, 0.9), 0.05
CLIP_WINDOWS = 16  # one batch: bd3lms uses up to 100 validation batches; this CPU is busy
HELD_OUT_REPEATS = 4
STATE_ROOT = "/work/train-state"
SHIPPED = ("kjv-mdlm", "kjv-bd3lm-b4", "kjv-bd3lm-b8", "kjv-bd3lm-b16")


# --------------------------------------------------------------------------------------------
# The network and its configs
# --------------------------------------------------------------------------------------------


def reference_module():
    path = refload.ref_dir("BD3LMS_DIR", ["models/hf/modeling_bd3lm.py"])
    return dit.load_bd3lm(path)


def mdlm_config():
    """mdlm-owt's config.json fields (MDLMConfig), this model's sizes."""
    return {
        "architectures": ["MDLM"],
        "auto_map": {"AutoConfig": "configuration_mdlm.MDLMConfig",
                     "AutoModelForMaskedLM": "modeling_mdlm.MDLM"},
        **SIZES, "dropout": 0.0, "model_length": SEQ_LEN, "model_type": "mdlm",
        "return_dict": False, "time_conditioning": False, "torch_dtype": "bfloat16",
        "vocab_size": VOCAB,
    }


def bd3lm_config(block, eps_min=SAMPLING_EPS, eps_max=1.0):
    """BD3LMConfig's fields as bd3lms' push_to_hf.py writes them (the published
    bd3lm-owt-block_size{4,8,16}: cross_attn, adaln, var_min, no time conditioning)."""
    return {
        "adaln": True, "architectures": ["BD3LM"], "attn_backend": "sdpa",
        "auto_map": {"AutoConfig": "configuration_bd3lm.BD3LMConfig",
                     "AutoModelForMaskedLM": "modeling_bd3lm.BD3LM"},
        "block_size": block, "causal": False, **SIZES, "cross_attn": True, "dropout": 0.0,
        "model_length": SEQ_LEN, "model_type": "bd3lm", "return_dict": False,
        "sampling_eps_max": eps_max, "sampling_eps_min": eps_min, "time_conditioning": False,
        "torch_dtype": "bfloat16", "var_min": True, "vocab_size": VOCAB,
    }


def build(ref, family, block):
    """BD3LM(config): MDLM is its backbone with cross_attn false and no var_min buffers, so its
    state dict is mdlm-owt's (`backbone.*`)."""
    if family == "mdlm":
        cfg = dict(mdlm_config(), block_size=SEQ_LEN, cross_attn=False, adaln=True,
                   attn_backend="sdpa", causal=False, var_min=False)
    else:
        cfg = bd3lm_config(block)
    keys = ("block_size", "vocab_size", "model_length", "cross_attn", "adaln", "attn_backend",
            "causal", "hidden_dim", "cond_dim", "n_blocks", "n_heads", "dropout",
            "time_conditioning", "var_min", "sampling_eps_min", "sampling_eps_max")
    config = ref.BD3LMConfig(**{k: cfg[k] for k in keys if k in cfg})
    return ref.BD3LM(config)


# --------------------------------------------------------------------------------------------
# The losses (reproductions of the references' `_loss`)
# --------------------------------------------------------------------------------------------


def subs_log_probs(logits, xt):
    """`_subs_parameterization`: mask column -inf, log-softmax, unmasked rows one-hot."""
    logits = logits.clone()
    logits[:, :, MASK] += -1000000.0
    logits = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    unmasked = xt != MASK
    logits[unmasked] = -1000000.0
    logits[unmasked, xt[unmasked]] = 0
    return logits


def antithetic(u):
    """`_sample_t`'s antithetic draw over all entries of u (flattened in row-major order)."""
    n = u.numel()
    offset = (torch.arange(n) / n).view(u.shape)
    return (u / n + offset) % 1


def mdlm_nlls(model, x0, g, t=None):
    """[N, L] per-token terms of mdlm's continuous-time SUBS NELBO; t drawn as `_sample_t`."""
    n = x0.shape[0]
    if t is None:
        t = (1 - SAMPLING_EPS) * antithetic(torch.rand(n, generator=g)) + SAMPLING_EPS
    sigma = -torch.log1p(-(1 - NOISE_EPS) * t)
    dsigma = (1 - NOISE_EPS) / (1 - (1 - NOISE_EPS) * t)
    move_chance = 1 - torch.exp(-sigma[:, None])
    xt = torch.where(torch.rand(x0.shape, generator=g) < move_chance, MASK, x0)
    logits, _ = model.backbone(xt, torch.zeros(n))  # time_conditioning false: sigma zeroed
    log_p = subs_log_probs(logits, xt).gather(-1, x0[:, :, None]).squeeze(-1)
    return -log_p * (dsigma / torch.expm1(sigma))[:, None]


def bd3lm_nlls(model, x0, block, eps_min, eps_max, g, resample):
    """[N, L] per-token terms of bd3lms' block-wise SUBS NELBO (loss_scale -1/t, p = t)."""
    n, length = x0.shape
    t = antithetic(torch.rand((n, length // block), generator=g))
    t = t.repeat_interleave(block, dim=-1) * (eps_max - eps_min) + eps_min
    move = torch.rand(x0.shape, generator=g) <= t
    xt = torch.where(move, MASK, x0)
    if resample and not (eps_min == 1e-3 and eps_max == 1.0):
        xt = resample_blocks(x0, xt, move, t, block, eps_min, eps_max, g)
    logits, _ = model.backbone(torch.cat((xt, x0), dim=-1), torch.zeros(n))
    log_p = subs_log_probs(logits, xt).gather(-1, x0[:, :, None]).squeeze(-1)
    return -log_p / t


def resample_blocks(x0, xt, move, p, block, eps_min, eps_max, g):
    """`_resample_q_xt`: redraw the blocks whose masked fraction is outside the bounds."""
    n = x0.shape[0]
    frac = (xt == MASK).float().view(n, -1, block).sum(-1) / block
    while (frac < eps_min).any() or (frac > eps_max).any():
        if eps_min == 1e-3 and eps_max != 1:
            regen = frac > eps_max
        elif eps_min != 1e-3 and eps_max == 1:
            regen = frac < eps_min
        else:
            regen = (frac < eps_min) | (frac > eps_max)
        if not regen.any():
            break
        regen = regen.repeat_interleave(block, dim=-1)
        move[regen] = (torch.rand(x0.shape, generator=g) < p)[regen]
        xt = torch.where(move, MASK, x0)
        frac = (xt == MASK).float().view(n, -1, block).sum(-1) / block
    return xt


def clip_candidates():
    """metrics.py `init_valid_vars`: (eps, 1) and every width's windows, delta 0.05."""
    out = [(SAMPLING_EPS, 1)]
    for width in CLIP_WIDTHS:
        for i in torch.arange(0, 1 - width + CLIP_DELTA, CLIP_DELTA):
            lo = torch.clamp(i, min=SAMPLING_EPS).item()
            hi = torch.clamp(i + width, min=SAMPLING_EPS).item()
            # Rounded off float32 (0.0010000000474974513 -> 0.001): the bounds then compare
            # equal to 1e-3 and 1 in `resample_blocks` as the float32 buffers do in bd3lms.
            out.append((round(lo, 6), round(hi, 6)))
    return out


@torch.no_grad()
def clip_search(model, block, windows, seed):
    """`_clipped_schedule_search`: the interval with the least summed variance of the per-block
    mean losses (`nlls.reshape(N, -1, B).mean(-1).var()`) over the given batches."""
    model.eval()
    best, best_var = None, float("inf")
    for lo, hi in clip_candidates():
        g = torch.Generator().manual_seed(seed)
        var = 0.0
        for batch in windows:
            nlls = bd3lm_nlls(model, batch, block, lo, hi, g, resample=True)
            var += nlls.reshape(nlls.shape[0], -1, block).mean(-1).var().item()
        if var < best_var:
            best, best_var = (lo, hi), var
    model.train()
    return best, best_var / len(windows)


@torch.no_grad()
def heldout_nelbo(model, family, block, held, repeats=HELD_OUT_REPEATS):
    """Held-out NELBO per token (nats). The held-out token stream (kjv-llada's 23 chapters with
    their <|endoftext|>, 23,489 tokens) is cut into its 183 consecutive non-overlapping windows of
    128 (the last 65 tokens dropped). For repeat r = 0..repeats-1 a torch.Generator seeded
    SEED + 1000 + r draws, for all 183 windows as one batch and in this order: MDLM: t by
    `_sample_t` (183 uniforms, antithetic over the batch, t = (1 - 1e-3) u + 1e-3), then the
    mask by `torch.rand(183, 128) < 1 - exp(-sigma(t))`; BD3-LM: t by `_sample_t` (183 * 128/B
    uniforms, antithetic over all blocks, eps_min 1e-3, eps_max 1), then the mask by
    `torch.rand(183, 128) <= t`. The value is the mean over windows, positions and repeats of the
    per-token terms (`_loss`'s token_nll averaged over the repeats)."""
    model.eval()
    n = len(held) // SEQ_LEN
    windows = held[: n * SEQ_LEN].view(n, SEQ_LEN)
    per_repeat = []
    for r in range(repeats):
        g = torch.Generator().manual_seed(SEED + 1000 + r)
        if family == "mdlm":
            nlls = mdlm_nlls(model, windows, g)
        else:
            nlls = bd3lm_nlls(model, windows, block, SAMPLING_EPS, 1.0, g, resample=False)
        per_repeat.append(nlls.mean().item())
    model.train()
    mean = float(np.mean(per_repeat))
    return {"nelbo_per_token": round(mean, 5),
            "perplexity_bound": round(math.exp(mean), 3),
            "per_repeat": [round(v, 5) for v in per_repeat],
            "windows": n, "repeats": repeats}


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def write_json(path, obj):
    def w(p):
        with open(p, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    atomic(path, w)


def write_folder(out, model, cfg, log):
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "config.json"), cfg)
    state = {k: stored(k, v.detach()).contiguous() for k, v in sorted(model.state_dict().items())}
    atomic(os.path.join(out, "model.safetensors"),
           lambda p: save_file(state, p, metadata={"format": "pt"}))
    for name in TOKENIZER_FILES:
        atomic(os.path.join(out, name),
               lambda p, n=name: shutil.copyfile(os.path.join(LLADA, n), p))
    kind = "MDLM" if cfg["model_type"] == "mdlm" else f"BD3-LM (block {cfg['block_size']})"
    write_json(os.path.join(out, "unmask.json"), {
        "task": "text",
        "description": f"{kind} DiT trained on the King James Bible (public domain)"})
    write_json(os.path.join(out, "training_log.json"), log)


def stored(name, tensor):
    """The dtype a tensor is stored in: bf16, except the buffers, which stay float32: the
    rotary `inv_freq` (rounded to bf16 it is no longer base 10000's, which Unmask checks) and
    BD3-LM's `sampling_eps_min/max`."""
    keep = name.endswith("rotary_emb.inv_freq") or name.startswith("sampling_eps")
    return tensor.float() if keep else tensor.to(torch.bfloat16)


def bf16_rounded(model):
    """A copy of the weights as the folder stores them, back in float32."""
    return {k: stored(k, v).float() for k, v in model.state_dict().items()}


@torch.no_grad()
def mdlm_samples(model, tok, steps=32, length=32):
    """A quick look during training: the prompt then `length` masks, `steps` ddpm steps of
    mdlm's `_ddpm_update` on the log-linear schedule (t from 1 to 1e-5), then the final
    noise removal (argmax). Seeded; the shipped samples come from `unmask generate`."""
    g = torch.Generator().manual_seed(SEED)
    model.eval()
    out = []
    for prompt in PROMPTS:
        p = tok.encode(prompt).ids
        x = torch.tensor([p + [MASK] * length])
        ts = torch.linspace(1, 1e-5, steps + 1)
        for i in range(steps):
            t, s = ts[i], ts[i + 1]
            move_t, move_s = (1 - NOISE_EPS) * t, (1 - NOISE_EPS) * s
            logits, _ = model.backbone(x, torch.zeros(1))
            p_x0 = subs_log_probs(logits, x).exp()
            q = p_x0 * (move_t - move_s)
            q[:, :, MASK] = move_s
            gumbel = -(torch.rand(q.shape, generator=g) + 1e-10).log()
            draw = (q / gumbel).argmax(-1)
            x = torch.where(x == MASK, draw, x)
        logits, _ = model.backbone(x, torch.zeros(1))
        final = subs_log_probs(logits, x).argmax(-1)
        x = torch.where(x == MASK, final, x)
        out.append(prompt + tok.decode(x[0, len(p):].tolist()))
    model.train()
    return out


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def token_streams(corpus, tok, state_root):
    """kjv-llada's training and held-out token streams (chapters joined by <|endoftext|>),
    cached under state_root by the corpus file's MD5 (tokenizing takes minutes on a busy CPU)."""
    digest = hashlib.md5(open(corpus, "rb").read()).hexdigest()
    cache = os.path.join(state_root, f"kjv-streams-{digest}.pt")
    if os.path.exists(cache):
        c = torch.load(cache)
        return c["chapters"], c["train"], c["held"]
    docs = chapters(corpus)
    train_docs, held_docs = split_chapters(docs)

    train, held = token_stream(tok, train_docs, EOS), token_stream(tok, held_docs, EOS)
    os.makedirs(state_root, exist_ok=True)
    torch.save({"chapters": len(docs), "train": train, "held": held}, cache + ".tmp")
    os.replace(cache + ".tmp", cache)
    return len(docs), train, held


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", help="the `bible` program's output (scripts/train/kjv_corpus.sh)")
    ap.add_argument("--family", choices=("mdlm", "bd3lm"), default="mdlm")
    ap.add_argument("--block-size", type=int, default=SEQ_LEN)
    ap.add_argument("--name", help="run name: state under --state-root/NAME; kjv-mdlm and "
                    "kjv-bd3lm-b* also write models/NAME")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=WARMUP)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--init-from", help="start from the weights of this run's state")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--state-root", default=STATE_ROOT)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--clip-every", type=int, default=500,
                    help="BD3-LM: redo the clipped-schedule search every this many steps")
    ap.add_argument("--held-out-repeats", type=int, default=HELD_OUT_REPEATS)
    ap.add_argument("--time-steps", type=int, default=0,
                    help="time this many steps, print seconds/step and stop (writes nothing)")
    ap.add_argument("--check-only", action="store_true",
                    help="compare `unmask logits` on the written folders with this file's model")
    ap.add_argument("--unmask", default="unmask", help="the unmask binary for --check-only")
    ap.add_argument("--eval-only", action="store_true",
                    help="held-out NELBO of the written folder models/NAME")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ref = reference_module()
    if args.check_only:
        check_against_swift(ref, args.unmask)
        return
    if not args.corpus or not args.name:
        ap.error("--corpus and --name are required for training")
    if args.family == "bd3lm" and SEQ_LEN % args.block_size:
        ap.error(f"--block-size {args.block_size} does not divide {SEQ_LEN}")
    block = args.block_size if args.family == "bd3lm" else SEQ_LEN

    tok = Tokenizer.from_file(os.path.join(LLADA, "tokenizer.json"))
    assert tok.token_to_id("<|mdm_mask|>") == MASK and tok.token_to_id("<|endoftext|>") == EOS
    n_docs, train, held = token_streams(args.corpus, tok, args.state_root)
    print(f"corpus: {n_docs} chapters, {len(train)} training tokens, {len(held)} held out",
          flush=True)

    out = os.path.join(REPO, "models", args.name) if args.name in SHIPPED else None
    if args.eval_only:
        evaluate_folder(ref, args, out, block, held)
        return

    seed = SEED + (0 if args.family == "mdlm" else block)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build(ref, args.family, block)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {args.family} block {block}, {n_params} parameters", flush=True)
    opt = adamw(model, args.lr, BETAS, WEIGHT_DECAY)
    state_dir = os.path.join(args.state_root, args.name)
    state_path = os.path.join(state_dir, "state.pt")
    os.makedirs(state_dir, exist_ok=True)

    def batch_from(source, g, n=args.batch):
        starts = torch.randint(0, len(source) - SEQ_LEN, (n,), generator=g)
        return torch.stack([source[s:s + SEQ_LEN] for s in starts.tolist()])

    clip_g = torch.Generator().manual_seed(SEED + 2)
    clip_windows = [batch_from(train, clip_g, CLIP_WINDOWS)]

    log = {"name": args.name, "family": args.family, "block_size": block, "seed": seed,
           "steps": args.steps, "batch": args.batch, "seq_len": SEQ_LEN, "lr": args.lr,
           "warmup": args.warmup, "betas": list(BETAS), "weight_decay": WEIGHT_DECAY,
           "parameters": n_params, "sizes": SIZES, "vocab_size": VOCAB, "mask_id": MASK,
           "threads": args.threads, "init_from": args.init_from,
           "corpus": {"source":
                      "Debian bible-kjv-text 4.38 via bible-kjv's `bible gen1:1-rev22:21`",
                      "chapters": n_docs, "held_out": f"every {HELD_OUT_EVERY}th chapter",
                      "train_tokens": len(train), "held_out_tokens": len(held)},
           "loss": ("mdlm diffusion.py _loss (continuous time, SUBS, log-linear, antithetic t)"
                    if args.family == "mdlm" else
                    "bd3lms diffusion.py _loss (block-wise t, x_t ⊕ x_0, clipped schedule)"),
           "curve": [], "evals": [], "clip_searches": [], "seconds": 0.0,
           "completed_steps": 0, "phases": []}
    start, ema = 0, None
    eps_min, eps_max = SAMPLING_EPS, 1.0
    if args.resume and os.path.exists(state_path):
        st = torch.load(state_path, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        gen.set_state(st["gen"])
        torch.set_rng_state(st["torch_rng"])
        log, start, ema = st["log"], st["step"], st["ema"]
        eps_min, eps_max = st["clip"]
        print(f"resumed at step {start}", flush=True)
    elif args.init_from:
        st = torch.load(os.path.join(args.state_root, args.init_from, "state.pt"),
                        weights_only=False)
        # MDLM's weights into either family: the same backbone; BD3-LM's var_min buffers
        # keep their own values.
        missing, unexpected = model.load_state_dict(st["model"], strict=False)
        assert not unexpected and all(k.startswith("sampling_eps") for k in missing), \
            (missing, unexpected)
        log["init_from_step"] = st["step"]
        base = st["log"]
        log["base"] = {k: base[k] for k in ("name", "steps", "completed_steps", "batch", "lr",
                                             "warmup", "seconds", "threads", "evals", "curve")}
        print(f"initialised from {args.init_from} at its step {st['step']}", flush=True)
    log["phases"].append({"from_step": start, "steps": args.steps, "threads": args.threads})
    log["steps"] = args.steps

    def lr_at(step):
        return warmup_cosine(step, args.lr, args.warmup, args.steps)

    def search_clip(done):
        nonlocal eps_min, eps_max
        (eps_min, eps_max), var = clip_search(model, block, clip_windows, SEED + 3)
        model.sampling_eps_min.fill_(eps_min)
        model.sampling_eps_max.fill_(eps_max)
        log["clip_searches"].append({"step": done, "eps_min": round(eps_min, 4),
                                     "eps_max": round(eps_max, 4), "variance": round(var, 5)})
        print(log["clip_searches"][-1], flush=True)

    def evaluate(done):
        saved = {k: v.clone() for k, v in model.state_dict().items()}
        model.load_state_dict(bf16_rounded(model))  # the metric of the weights that ship
        entry = {"step": done,
                 "held_out": heldout_nelbo(model, args.family, block, held, args.held_out_repeats)}
        if args.family == "mdlm":
            entry["samples"] = mdlm_samples(model, tok)
        model.load_state_dict(saved)
        log["evals"].append(entry)
        print(entry, flush=True)

    def save(done):
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                    "gen": gen.get_state(), "torch_rng": torch.get_rng_state(), "log": log,
                    "step": done, "ema": ema, "clip": (eps_min, eps_max)}, state_path + ".tmp")
        os.replace(state_path + ".tmp", state_path)

    if args.family == "bd3lm" and start == 0 and not args.time_steps:
        search_clip(0)
    t0 = time.time() - log["seconds"]
    model.train()
    for step in range(start, args.steps):
        x0 = batch_from(train, gen)
        if args.family == "mdlm":
            nlls = mdlm_nlls(model, x0, gen)
        else:
            nlls = bd3lm_nlls(model, x0, block, eps_min, eps_max, gen, resample=True)
        loss = nlls.sum() / nlls.numel()
        optimizer_step(opt, model, loss, lr_at(step))
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        done = step + 1
        if args.time_steps and done - start == args.time_steps:
            print(f"{(time.time() - t0 - log['seconds']) / args.time_steps:.3f} s/step", flush=True)
            return
        log["completed_steps"], log["seconds"] = done, round(time.time() - t0, 1)
        if done % 25 == 0 or done == args.steps:
            log["curve"].append({"step": done, "train_loss_ema": round(ema, 4),
                                 "lr": round(lr_at(step), 6), "seconds": log["seconds"]})
            print(log["curve"][-1], flush=True)
        if done % args.eval_every == 0 or done == args.steps:
            evaluate(done)
        if args.family == "bd3lm" and done % args.clip_every == 0 and done < args.steps:
            search_clip(done)
        if done % args.save_every == 0 or done == args.steps:
            save(done)
    log["seconds"] = round(time.time() - t0, 1)
    log["final_held_out"] = log["evals"][-1]["held_out"]
    save(log["completed_steps"])
    if out:
        cfg = mdlm_config() if args.family == "mdlm" else bd3lm_config(
            block, round(eps_min, 4), round(eps_max, 4))
        write_folder(out, model, cfg, log)
        atomic(os.path.join(out, "MODEL.md"),
               lambda p: open(p, "w", encoding="utf-8").write(model_card(args.name, cfg, log)))
    print(f"done: {log['completed_steps']} steps, {log['seconds']} s, held-out "
          f"{log['final_held_out']}", flush=True)


def evaluate_folder(ref, args, out, block, held):
    """--eval-only: the held-out NELBO of models/NAME's stored weights with --held-out-repeats
    draws, and of its base run's weights (bf16-rounded, MDLM's bound); both go into its
    training_log.json (`final_held_out`, `base_held_out`) and its MODEL.md is rewritten."""
    model = build(ref, args.family, block)
    model.load_state_dict({k: v.float() for k, v in
                           load_file(os.path.join(out, "model.safetensors")).items()})
    result = heldout_nelbo(model, args.family, block, held, args.held_out_repeats)
    print(json.dumps(result), flush=True)
    log = json.load(open(os.path.join(out, "training_log.json")))
    log["final_held_out"] = result
    if log.get("init_from"):
        base_dir = os.path.join(args.state_root, log["init_from"])
        cache = os.path.join(base_dir, f"held_out-{args.held_out_repeats}.json")
        if not os.path.exists(cache):  # one evaluation of the base serves all its fine-tunes
            base = build(ref, "mdlm", SEQ_LEN)
            st = torch.load(os.path.join(base_dir, "state.pt"), weights_only=False)
            base.load_state_dict(st["model"])
            base.load_state_dict(bf16_rounded(base))
            write_json(cache, dict(heldout_nelbo(base, "mdlm", SEQ_LEN, held,
                                                 args.held_out_repeats), step=st["step"]))
        log["base_held_out"] = json.load(open(cache))
        print("base", json.dumps(log["base_held_out"]), flush=True)
    write_json(os.path.join(out, "training_log.json"), log)
    cfg = json.load(open(os.path.join(out, "config.json")))
    atomic(os.path.join(out, "MODEL.md"),
           lambda p: open(p, "w", encoding="utf-8").write(model_card(args.name, cfg, log)))


# --------------------------------------------------------------------------------------------
# The model card
# --------------------------------------------------------------------------------------------


def model_card(name, cfg, log):
    """models/NAME/MODEL.md from the run's log (and its base run's, kept in the log)."""
    base, held = log["base"], log["final_held_out"]
    mdlm = cfg["model_type"] == "mdlm"
    block = log["block_size"]
    tokens = log["completed_steps"] * log["batch"] * SEQ_LEN
    base_tokens = base["completed_steps"] * base["batch"] * SEQ_LEN
    base_held = log.get("base_held_out") or (base["evals"][-1]["held_out"] if base["evals"]
                                             else None)
    clip = log["clip_searches"]
    what = ("MDLM (masked diffusion language model, Sahoo et al. 2024)" if mdlm else
            f"BD3-LM (block discrete denoising diffusion, Arriola et al. 2025), blocks of {block}")
    layout = ("mdlm-owt's Hugging Face layout (`MDLM`, `model_type: mdlm`, `MDLMConfig` fields)"
              if mdlm else "the Hugging Face layout of bd3lm-owt-block_size{4,8,16} (`BD3LM`, "
              "`model_type: bd3lm`, `BD3LMConfig` fields: cross_attn, adaln, var_min, "
              "`sampling_eps_min/max` as config fields and as float32 buffers)")
    lines = [
        f"# {name}", "",
        f"A small {what} trained on the King James Bible: the same size class, corpus, tokenizer",
        "and held-out chapters as [kjv-llada](../kjv-llada/MODEL.md), so their likelihood bounds",
        "can be compared. Trained on a shared 2-core CPU in one session, so briefly: an MDLM from",
        f"scratch for {base['completed_steps']:,} steps (batch {base['batch']} x {SEQ_LEN}, "
        f"{base_tokens / 1e6:.2f}M tokens), then this model's own {log['completed_steps']:,} steps "
        f"(batch {log['batch']} x {SEQ_LEN}, {tokens / 1e6:.2f}M tokens)"
        + (" of the same MDLM loss, the control for the BD3-LM fine-tunes" if mdlm else
           f" of BD3-LM's block-wise loss at block size {block}, fine-tuned from that MDLM as the "
           "BD3-LM paper fine-tunes from a pretrained MDLM") + ".",
        "kjv-llada saw 63.5M tokens; this is a far weaker model, a reproducible start that a later",
        "session can train further (`--resume`, below).", "",
        f"Held-out NELBO: **{held['nelbo_per_token']:.4f} nats/token, perplexity ≤ "
        f"{held['perplexity_bound']:.2f}** (Python evaluator below).", "",
        "## Architecture",
        f"The DiT of mdlm's `models/dit.py` / bd3lms' `models/hf/modeling_bd3lm.py`: hidden "
        f"{SIZES['hidden_dim']}, {SIZES['n_blocks']} blocks, {SIZES['n_heads']} heads of "
        f"{SIZES['hidden_dim'] // SIZES['n_heads']}, cond_dim {SIZES['cond_dim']}, GELU(tanh) MLP "
        "4x wide with biases, weight-only LayerNorm, rotary (rotate-half, base 10000), adaLN with "
        "6 chunks per block and 2 in the final layer, fused qkv without bias, model_length "
        f"{SEQ_LEN}; {log['parameters']:,} parameters. `time_conditioning: false` (as mdlm-owt and "
        "bd3lms' OWT models: sigma is zeroed before the backbone), so each adaLN sees a constant "
        "and acts as a learned per-block scale/shift/gate: its 0.94M weights give 7.3k effective "
        "values, which leaves the network at kjv-llada's effective size (3.4M). "
        + ("Full bidirectional attention." if mdlm else
           f"Attention: training reads x_t ⊕ x_0 (length {2 * SEQ_LEN}) under bd3lms' "
           "`block_diff_mask`; sampling and `unmask logits` use the x_0 half of it on one "
           f"canvas: block-causal, blocks of {block}."),
        f"Stored in {layout}; weights bf16, the buffers (`rotary_emb.inv_freq`"
        + ("" if mdlm else ", `sampling_eps_min/max`") + ") float32.", "",
        "Vocabulary and mask: `vocab_size` 2045, and the mask is the model's, `vocab_size - 1` "
        "= 2044, as mdlm-owt's is 50257 of 50258. 2044 is the tokenizer's own `<|mdm_mask|>`, so "
        "tokenizer and model agree; the tokenizer files are kjv-llada's, copied unchanged "
        "(1984 byte-level BPE tokens, `<|endoftext|>` 1985, reserved 1986-2043 which the model "
        "has rows for but never saw). Tokenizer ids 2045-2047 (`<|start_header_id|>`, "
        "`<|end_header_id|>`, `<|eot_id|>`: chat markup, never in KJV text) are outside the "
        "model's vocabulary.", "",
        "Unmask loads the folder and its logits equal the reference module's on the stored "
        "weights in float32 (`--check-only`, below).", "",
        "## Data",
        "kjv-llada's, imported from `scripts/train/train_kjv_llada.py`: the King James Version as "
        "Debian's bible-kjv-text carries it (see kjv-llada's card for source and licence), one "
        f"chapter a document, documents joined by `<|endoftext|>`; every 50th chapter held out "
        f"({log['corpus']['held_out_tokens']:,} tokens, `models/kjv-llada/heldout.txt`), the rest "
        f"trains ({log['corpus']['train_tokens']:,} tokens); training windows of {SEQ_LEN} tokens "
        "at random offsets.", "",
        "## Training",
        "Objective: " + (
            "mdlm's `diffusion.py` `_loss` (continuous time, SUBS, log-linear noise eps 1e-3, "
            "antithetic `_sample_t` with sampling_eps 1e-3, weight dsigma / expm1(sigma) = 1/t)."
            if mdlm else
            "bd3lms' `diffusion.py` `_loss` (one t per block, antithetic over all blocks of the "
            "batch, p = t, weight 1/t, x_t ⊕ x_0 with the block-diffusion mask, "
            "`training.resample`), on the clipped schedule U[eps_min, eps_max] that bd3lms' "
            "variance search picks (`clip_search_widths` [0.5 .. 0.9], delta 0.05, searched at "
            f"the start on {CLIP_WINDOWS} fixed training windows): "
            + ", ".join(f"step {c['step']}: [{c['eps_min']}, {c['eps_max']}]" for c in clip)
            + "."),
        "The MDLM base trained with AdamW (betas 0.9/0.95, weight decay 0.1 on matrices, "
        f"gradient norm 1), peak LR {base['lr']}, warmup {base['warmup']}, cosine to 10% over "
        f"{base['steps']} planned steps"
        + ("" if base["completed_steps"] == base["steps"] else
           f", stopped at step {base['completed_steps']} (its last saved state) when the "
           "session's time ran out") + f"; {base['seconds']:,.0f} s. This run started from its "
        f"weights at step {log['init_from_step']} with a fresh optimizer: peak LR {log['lr']}, "
        f"warmup {log['warmup']}, cosine over {log['steps']} steps; {log['seconds']:,.0f} s. "
        f"The base on {base.get('threads', 2)} and this run on {log.get('threads', 2)} "
        "thread(s) of a 2-core CPU shared with other jobs (builds, tests), so the seconds say "
        "little about speed. Seeds fixed (1611; +block size for BD3-LM).", "",
        "    bash scripts/train/kjv_corpus.sh /tmp/kjv.txt",
        "    export BD3LMS_DIR=/tmp/ref-dit/bd3lms   # git archive of kuleshov-group/bd3lms "
        + dit.REFERENCE_COMMITS["kuleshov-group/bd3lms"][:12],
        "    P=\"python3 scripts/train/train_kjv_mdlm.py --corpus /tmp/kjv.txt --threads "
        f"{log.get('threads', 2)}\"",
        f"    $P --family mdlm --name kjv-mdlm-base --steps {base['steps']} --batch "
        f"{base['batch']} --eval-every 400 --save-every 25",
        f"    $P --family {log['family']}" + ("" if mdlm else f" --block-size {block}")
        + f" --name {name} --init-from kjv-mdlm-base --steps {log['steps']} --batch "
        f"{log['batch']} --lr {log['lr']} --warmup {log['warmup']} --eval-every {log['steps']}"
        + ("" if mdlm else f" --clip-every {log['steps']}"),
        "    $P --check-only --unmask .build/release/unmask", "",
        "The state (weights, optimizer, RNGs) is in `/work/train-state/<name>/state.pt`; "
        "`--resume` with a larger `--steps` continues it. `training_log.json` holds the settings, "
        "the loss curve, the base run's curve and evaluations; `train.log` the output.", "",
        "## Held-out likelihood bound",
        "`heldout_nelbo` in the script: the held-out token stream is cut into its "
        f"{held['windows']} consecutive windows of {SEQ_LEN} (the last 65 tokens dropped); for "
        f"r = 0..{held['repeats'] - 1} a `torch.Generator` seeded 2611 + r draws, for all windows "
        "as one batch: "
        + ("t by mdlm's `_sample_t` (one uniform per window, antithetic over the batch, "
           "t = (1 - 1e-3) u + 1e-3), then the mask `torch.rand(N, 128) < 1 - exp(-sigma(t))`"
           if mdlm else
           f"t by bd3lms' `_sample_t` (one uniform per block of {block}, antithetic over all "
           "N x 128/B blocks, eps_min 1e-3, eps_max 1: the interval bd3lms reports as the ELBO), "
           "then the mask `torch.rand(N, 128) <= t`")
        + "; the bound is the mean of the per-token terms over windows, positions and draws, on "
        "the bf16 weights as stored.", "",
        "| | NELBO nats/token | perplexity ≤ |", "|---|---|---|",
    ]
    if base_held:
        lines.append(f"| MDLM base (its weights, MDLM's bound), step {log['init_from_step']} | "
                     f"{base_held['nelbo_per_token']:.4f} | {base_held['perplexity_bound']:.2f} |")
    lines.append(f"| {name}, {log['completed_steps']} more steps | {held['nelbo_per_token']:.4f} "
                 f"| {held['perplexity_bound']:.2f} |")
    lines.append(f"\nPer draw: {', '.join(f'{v:.4f}' for v in held['per_repeat'])}.")
    own = log["evals"][-1]["held_out"] if log["evals"] else None
    if own and own["repeats"] != held["repeats"]:
        lines.append(f"The run's own end-of-training evaluation ({own['repeats']} draws) gave "
                     f"{own['nelbo_per_token']:.4f}; the table is `--eval-only "
                     f"--held-out-repeats {held['repeats']}` on the written folder.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# --check-only: the Swift loader against this file's model
# --------------------------------------------------------------------------------------------


@torch.no_grad()
def check_against_swift(ref, unmask):
    """`unmask logits` on each written folder vs the reference BD3LM on the stored (bf16)
    weights in float32: MDLM's full-attention pass, BD3-LM's sample-mode pass (block-causal on
    one canvas, the x0 half of its training mask). Several sequences, masks included, and sigma
    values (zeroed by both: time_conditioning false)."""
    tok = Tokenizer.from_file(os.path.join(LLADA, "tokenizer.json"))
    text = tok.encode("And God said, Let there be light: and there was light. And God saw").ids
    seqs = [text[:5], text[:16] + [MASK] * 8, [MASK] * 32, (text * 8)[:SEQ_LEN]]
    worst = 0.0
    for name in SHIPPED:
        folder = os.path.join(REPO, "models", name)
        if not os.path.exists(os.path.join(folder, "model.safetensors")):
            print(f"{name}: not written yet")
            continue
        cfg = json.load(open(os.path.join(folder, "config.json")))
        family = cfg["model_type"]
        model = build(ref, family, cfg.get("block_size", SEQ_LEN))
        model.load_state_dict({k: v.float() for k, v in
                               load_file(os.path.join(folder, "model.safetensors")).items()})
        model.eval()
        for ids in seqs:
            for sigma in (0.0, 1.5):
                x = torch.tensor([ids])
                if family == "mdlm":
                    want, _ = model.backbone(x, torch.full((1,), sigma))
                else:
                    want, _ = model.backbone(x, torch.full((1,), sigma), sample_mode=True)
                with tempfile.TemporaryDirectory() as d:
                    path = os.path.join(d, "logits.npy")
                    subprocess.run([unmask, "logits", "--model", folder, "--tokens",
                                    ",".join(map(str, ids)), "--sigma", str(sigma), "--out",
                                    path, "--threads", "2"], check=True, capture_output=True)
                    got = np.load(path)
                want = want[0].numpy()
                assert got.shape == want.shape, (got.shape, want.shape)
                gap = float(np.abs(got - want).max() / np.abs(want).max())
                worst = max(worst, gap)
                print(f"{name}: {len(ids)} tokens, sigma {sigma}: max |gap| / max |logit| "
                      f"{gap:.2e}")
    print(f"worst relative gap {worst:.2e}")
    assert worst <= 1e-5, worst


if __name__ == "__main__":
    main()
