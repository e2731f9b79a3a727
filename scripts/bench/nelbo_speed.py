#!/usr/bin/env python3
"""Time MDLM's and BD3-LM's NELBO per draw, Unmask against the reference, on mdlm-owt's shape.

    MDLM_DIR=/tmp/ref-nelbo/mdlm BD3LMS_DIR=/tmp/ref-nelbo/bd3lms \
        /work/venv-bd/bin/python scripts/bench/nelbo_speed.py [--draws 4] [--threads 2]

Builds random checkpoints with mdlm-owt's configuration (hidden 768, 12 blocks, 12 heads, cond
128, length 1024, vocabulary 50258, no time conditioning) in MDLM's and BD3-LM's (block 16)
Hugging Face layouts under /tmp/unmask-nelbo-bench (seeded; about 0.7 GB each, made once), then
on one random 1024-token sequence:

- the reference: `_loss` of kuleshov-group/mdlm and bd3lms `diffusion.py`, run as
  scripts/fixtures/make_nelbo_goldens.py runs it, over a batch of `--draws` copies of the
  sequence (one draw each), float32 on the CPU with `torch.set_num_threads(--threads)`;
- Unmask: `unmask score --preset mdlm|bd3lm --tokens ... --mc N --batch N --threads T`, run for
  N = draws and N = 2 · draws; the difference of the two wall times over `draws` is the time per
  draw without loading.

Prints seconds per draw for each and their ratio. Nothing here is committed output: copy the
numbers into docs/PERFORMANCE.md with the date and the machine.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import make_dit_fixtures as dit_fixtures  # noqa: E402
import make_nelbo_goldens as goldens  # noqa: E402
import refload  # noqa: E402

from safetensors.torch import save_file  # noqa: E402

REPO = dit_fixtures.REPO
OUT = "/tmp/unmask-nelbo-bench"
VOCAB, LENGTH, HIDDEN, COND, BLOCKS, HEADS = 50258, 1024, 768, 128, 12, 12


def mdlm_config():
    return {"architectures": ["MDLM"], "model_type": "mdlm", "vocab_size": VOCAB,
            "model_length": LENGTH, "hidden_dim": HIDDEN, "cond_dim": COND, "n_blocks": BLOCKS,
            "n_heads": HEADS, "dropout": 0.1, "time_conditioning": False, "return_dict": False}


def bd3lm_config():
    return {**mdlm_config(), "architectures": ["BD3LM"], "model_type": "bd3lm",
            "block_size": 16, "cross_attn": True, "adaln": True, "attn_backend": "sdpa",
            "causal": False, "var_min": True, "sampling_eps_min": 1e-3,
            "sampling_eps_max": 0.999}


def write(name, config, state):
    folder = os.path.join(OUT, name)
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return folder
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    save_file({k: v.contiguous() for k, v in state.items()},
              os.path.join(folder, "model.safetensors"))
    return folder


def unmask_seconds(folder, preset, tokens, draws, threads):
    tool = os.path.join(REPO, ".build", "release", "unmask")
    if not os.path.exists(tool):
        tool = os.path.join(REPO, ".build", "debug", "unmask")
    times = []
    for n in (draws, 2 * draws):
        start = time.perf_counter()
        subprocess.run([tool, "score", "--model", folder, "--preset", preset, "--tokens",
                        ",".join(map(str, tokens)), "--mc", str(n), "--batch", str(n),
                        "--threads", str(threads), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return (times[1] - times[0]) / draws, tool


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    mdlm_dir = refload.ref_dir("MDLM_DIR", ["diffusion.py", "models/dit.py"])
    bd3lms_dir = refload.ref_dir("BD3LMS_DIR", ["diffusion.py", "models/hf/modeling_bd3lm.py"])
    dit = dit_fixtures.load_mdlm_dit(mdlm_dir)
    bd3 = dit_fixtures.load_bd3lm(bd3lms_dir)
    mdlm, mdlm_noise = goldens.load_diffusion(mdlm_dir, "mdlm")
    bd3lms, bd3lms_noise = goldens.load_diffusion(bd3lms_dir, "bd3lms")
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, VOCAB - 1, (LENGTH,), generator=generator)
    x0 = tokens[None].repeat(args.draws, 1)

    # MDLM: DIT with mdlm-owt's sizes, its state dict under backbone.
    cfg = goldens.namespace(model=dict(hidden_size=HIDDEN, cond_dim=COND, n_heads=HEADS,
                                       n_blocks=BLOCKS, dropout=0.1, scale_by_sigma=True))
    backbone = dit.DIT(cfg, vocab_size=VOCAB).eval()
    dit_fixtures.randomize(backbone, generator)
    folder = write("mdlm-owt-random", mdlm_config(),
                   {f"backbone.{k}": v for k, v in backbone.state_dict().items()})
    obj = goldens.reference_object(mdlm, {
        "config": goldens.namespace(model=dict(length=LENGTH)), "backbone": backbone,
        "noise": mdlm_noise.LogLinearNoise(), "mask_index": VOCAB - 1, "vocab_size": VOCAB,
        "parameterization": "subs", "T": 0, "subs_masking": False, "antithetic_sampling": True,
        "importance_sampling": False, "change_of_variables": False, "sampling_eps": 1e-3,
        "time_conditioning": False, "neg_infinity": -1000000.0})
    with torch.no_grad():
        start = time.perf_counter()
        obj._loss(x0, torch.ones_like(x0))
        reference = (time.perf_counter() - start) / args.draws
    ours, tool = unmask_seconds(folder, "mdlm", tokens.tolist(), args.draws, args.threads)
    print(f"mdlm  per draw: reference {reference:.2f} s, unmask {ours:.2f} s "
          f"({reference / ours:.2f}x) [{os.path.relpath(tool, REPO)}, {args.threads} threads]")

    # BD3-LM, block 16: the published format with the same random backbone weights.
    model = bd3.BD3LM(bd3.BD3LMConfig(**bd3lm_config())).eval()
    state = {f"backbone.{k}": v for k, v in backbone.state_dict().items()}
    state["sampling_eps_min"] = torch.tensor(1e-3)
    state["sampling_eps_max"] = torch.tensor(0.999)
    model.load_state_dict(state, strict=True)
    folder = write("bd3lm-owt-random-b16", bd3lm_config(), model.state_dict())
    obj = goldens.reference_object(bd3lms, {
        "config": goldens.namespace(algo=dict(name="bd3lm", backbone="hf_dit"),
                                    model=dict(length=LENGTH),
                                    training=dict(resample=False, sampling_eps=1e-3)),
        "backbone": model, "noise": bd3lms_noise.LogLinearNoise(), "mask_index": VOCAB - 1,
        "vocab_size": VOCAB, "parameterization": "subs", "T": 0, "block_size": 16,
        "num_tokens": LENGTH, "cross_attn": True, "ignore_bos": True, "mdlm_loss_scale": False,
        "antithetic_sampling": True, "time_conditioning": False, "var_min": True,
        "neg_infinity": -1000000.0})
    with torch.no_grad():
        start = time.perf_counter()
        obj._loss(x0, torch.ones_like(x0), sampling_eps_min=1e-3, sampling_eps_max=1.0)
        reference = (time.perf_counter() - start) / args.draws
    ours, tool = unmask_seconds(folder, "bd3lm", tokens.tolist(), args.draws, args.threads)
    print(f"bd3lm per draw: reference {reference:.2f} s, unmask {ours:.2f} s "
          f"({reference / ours:.2f}x) [{os.path.relpath(tool, REPO)}, {args.threads} threads]")


if __name__ == "__main__":
    main()
