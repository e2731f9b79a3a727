#!/usr/bin/env python3
"""The PyTorch side of `side-by-side-mdlm.sh`: a random mdlm-owt-shaped MDLM, and the reference
sampler's seconds per sample on this CPU.

    MDLM_DIR=/tmp/ref-dit/mdlm python3 scripts/bench/mdlm_reference_sampler.py \
        --checkpoint /tmp/mdlm-owt-random [--write] [--threads 2] [--steps 128] [--samples 1]

MDLM_DIR is an export of kuleshov-group/mdlm (`git --git-dir=<mirror> archive HEAD | tar -x -C
DIR`). Nothing of it is committed or copied: its `diffusion.py` and `models/dit.py` are imported.

* `--write` makes the checkpoint: mdlm-owt's Hugging Face layout and configuration (hidden 768,
  12 blocks, 12 heads, cond 128, length 1024, vocabulary 50258 whose last id is the mask,
  `time_conditioning: false`), random float32 weights (`make_dit_fixtures.randomize`, seeded).
* Then it times mdlm's own `Diffusion._sample` on those weights: `sampler: ddpm_cache` (the
  config's `sampling.predictor`), `--steps` steps from t = 1 to 1e-5, `noise_removal: true`,
  batch 1 (`loader.eval_batch_size`), float32 on the CPU with `torch.set_num_threads(--threads)`.
  `Diffusion` is a Lightning module built from a hydra config and a GPT-2 tokenizer; only the
  attributes `_sample` reads are set, on an object made without its `__init__` (no tokenizer, no
  metrics, no hub downloads; `models` holds only `dit`, since its `__init__` imports the Mamba
  backbone's CUDA packages; timm, which `utils.py` imports for training, is a stub). The backbone is mdlm's `DIT` with flash-attn's two calls stood in
  by their documented semantics in plain torch (SDPA), as the golden script does: flash-attn
  does not run on a CPU.
* Prints one JSON line: seconds per sample (median over `--samples`), per step, forward passes.
"""

import argparse
import json
import os
import statistics
import sys
import time
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import make_dit_fixtures as dit  # noqa: E402
import refload  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

VOCAB = 50258  # GPT-2's 50257 and the mask
OWT = {"hidden_dim": 768, "cond_dim": 128, "n_blocks": 12, "n_heads": 12, "model_length": 1024}


def owt_config():
    config = dit.mdlm_config(time_conditioning=False)
    config.update(OWT)
    config["vocab_size"] = VOCAB
    return config


def dit_config(config):
    """The hydra fields `DIT.__init__` reads."""
    model = types.SimpleNamespace(
        hidden_size=config["hidden_dim"], cond_dim=config["cond_dim"],
        length=config["model_length"], n_blocks=config["n_blocks"], n_heads=config["n_heads"],
        scale_by_sigma=True, dropout=0.0, tie_word_embeddings=False)
    return types.SimpleNamespace(model=model)


def load_reference(mdlm_dir):
    """mdlm's `diffusion` module, importable without a GPU: flash-attn stubbed while dit.py
    (imported by `models`) loads, the rest of its imports real."""
    sys.path.insert(0, mdlm_dir)
    import lightning  # noqa: F401, PLC0415 (before the stubs, which it would take for packages)
    import transformers  # noqa: F401, PLC0415
    stubs = dit.flash_attn_stub()
    # utils.py imports timm's learning-rate scheduler for training; sampling never uses it.
    timm, scheduler = types.ModuleType("timm"), types.ModuleType("timm.scheduler")
    scheduler.CosineLRScheduler = type("CosineLRScheduler", (), {})
    timm.scheduler = scheduler
    stubs.update({"timm": timm, "timm.scheduler": scheduler})
    # models/__init__.py imports the Mamba backbone's CUDA packages; `_sample` needs only DIT.
    models = types.ModuleType("models")
    models.dit = dit.load_mdlm_dit(mdlm_dir)
    stubs["models"] = models
    sys.modules.update(stubs)
    try:
        import diffusion  # noqa: PLC0415
        import noise_schedule  # noqa: PLC0415
    finally:
        for name in stubs:
            del sys.modules[name]
    return diffusion, noise_schedule


def write_checkpoint(mdlm_dir, folder, seed):
    module = dit.load_mdlm_dit(mdlm_dir)
    config = owt_config()
    torch.manual_seed(seed)
    backbone = module.DIT(dit_config(config), vocab_size=VOCAB)
    dit.randomize(backbone, torch.Generator().manual_seed(seed))
    state = {f"backbone.{k}": v.detach().contiguous().clone()
             for k, v in backbone.state_dict().items()}
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, "model.safetensors.tmp")
    save_file(state, tmp, metadata={"format": "pt"})
    os.replace(tmp, os.path.join(folder, "model.safetensors"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def sampler(mdlm_dir, folder, steps):
    diffusion, noise_schedule = load_reference(mdlm_dir)
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    backbone = diffusion.models.dit.DIT(dit_config(config), vocab_size=VOCAB)
    state = load_file(os.path.join(folder, "model.safetensors"))
    backbone.load_state_dict({k.removeprefix("backbone."): v for k, v in state.items()})
    backbone.eval()

    model = object.__new__(diffusion.Diffusion)
    torch.nn.Module.__init__(model)
    model.backbone = backbone
    model.config = types.SimpleNamespace(
        sampling=types.SimpleNamespace(steps=steps, noise_removal=True),
        loader=types.SimpleNamespace(eval_batch_size=1),
        model=types.SimpleNamespace(length=config["model_length"]),
        noise=types.SimpleNamespace(type="loglinear"))
    model.sampler = "ddpm_cache"
    model.parameterization = "subs"
    model.mask_index = VOCAB - 1
    model.vocab_size = VOCAB
    model.neg_infinity = -1000000.0
    model.time_conditioning = config["time_conditioning"]
    model.T = 0
    model.noise = noise_schedule.LogLinearNoise()
    model._device = torch.device("cpu")

    passes = 0
    forward = model.backbone.forward

    def counted(*args, **kwargs):
        nonlocal passes
        passes += 1
        return forward(*args, **kwargs)

    model.backbone.forward = counted
    return model, lambda: passes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--write", action="store_true", help="make the random checkpoint first")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1024)
    args = parser.parse_args()
    mdlm_dir = refload.ref_dir("MDLM_DIR", ["diffusion.py", "models/dit.py"])
    torch.set_num_threads(args.threads)
    if args.write:
        write_checkpoint(mdlm_dir, args.checkpoint, args.seed)
    model, passes = sampler(mdlm_dir, args.checkpoint, args.steps)
    seconds = []
    with torch.no_grad():
        for i in range(args.samples):
            torch.manual_seed(args.seed + i)
            start = time.perf_counter()
            x = model._sample(num_steps=args.steps)
            seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(json.dumps({
        "engine": f"mdlm Diffusion._sample (ddpm_cache), torch {torch.__version__} float32",
        "threads": args.threads, "steps": args.steps, "length": int(x.shape[-1]),
        "samples": args.samples, "seconds_per_sample": round(median, 3),
        "seconds_per_step": round(median / args.steps, 4),
        "forward_passes_per_sample": passes() / args.samples,
        "masks_left": int((x == VOCAB - 1).sum())}))


if __name__ == "__main__":
    main()
