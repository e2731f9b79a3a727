"""Golden outputs of Fast-dLLM's cached samplers on the tiny fixture models.

Runs the reference code itself, unmodified, loaded at run time by notebooks/refload.py:

* LLaDA (tiny-llada, tiny-llada-gqa): `generate_with_prefix_cache` and
  `generate_with_dual_cache` from NVlabs/Fast-dLLM llada/generate.py, and its uncached
  `generate` on the same settings (so the goldens show where caching changes the output);
* Dream (tiny-dream): `DreamGenerationMixin._sample` from dream/model/generation_utils_block.py
  with `dual_cache` False (prefix) and True (dual), alg `entropy` and `confidence_threshold`.

Every case is greedy (temperature 0), float32, with several blocks, thresholds and one-block
shapes. The Swift tests (Tests/UnmaskTests/CacheGenerationTests.swift) reproduce each case token
for token and its forward-pass count.

Usage (the reference is never committed; point the script at a checkout):
    FAST_DLLM_DIR=/tmp/ref/NVlabs+Fast-dLLM python3 notebooks/make_cache_goldens.py
Writes Tests/Fixtures/golden/cache-{llada,llada-gqa,dream}.json, each recording the reference
commit (FAST_DLLM_COMMIT, or `git rev-parse HEAD` in FAST_DLLM_DIR when it is a git checkout).
"""
import contextlib
import importlib
import io
import json
import os
import subprocess
import sys

import numpy as np
import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import refload  # noqa: E402
from make_model_fixtures import reference_dream, reference_llada  # noqa: E402

REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "Tests", "Fixtures")
GOLDEN = os.path.join(FIXTURES, "golden")


def reference_commit():
    commit = os.environ.get("FAST_DLLM_COMMIT")
    if commit:
        return commit
    try:
        return subprocess.check_output(
            ["git", "-C", refload.fast_dllm_dir(), "rev-parse", "HEAD"], text=True,
            stderr=subprocess.DEVNULL).strip()
    except Exception:
        sys.exit("error: set FAST_DLLM_COMMIT to the commit of FAST_DLLM_DIR (it is not a git checkout)")


def special_ids(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    return cfg["mask_token_id"], cfg["eos_token_id"]


def prompt(length, seed, vocab=400):
    """Random ordinary ids (below the special tokens), reproducible."""
    return np.random.default_rng(seed).integers(0, vocab, size=length).tolist()


# (name, prompt length, prompt seed, gen_length, steps, block_length, threshold)
LLADA_SHAPES = [
    ("four-blocks-counts", 7, 1, 32, 16, 8, None),
    ("four-blocks-threshold-0.9", 7, 1, 32, 32, 8, 0.9),
    ("three-blocks-threshold-0.5", 12, 2, 24, 24, 8, 0.5),
    ("two-blocks-counts-steps-lt-block", 5, 3, 32, 8, 16, None),
    ("two-blocks-threshold-0.3", 9, 4, 32, 16, 16, 0.3),
    ("one-block-counts", 8, 5, 24, 12, 24, None),
    ("one-block-threshold-0.5", 8, 5, 24, 24, 24, 0.5),
    ("one-block-threshold-0.9", 6, 6, 32, 32, 32, 0.9),
    ("two-blocks-counts-steps-gt-block", 6, 7, 16, 32, 8, None),
]


def llada_goldens(name):
    folder = os.path.join(FIXTURES, f"tiny-{name}")
    model = reference_llada(folder)
    gen = refload.fast_dllm_llada_generate()
    mask, _ = special_ids(folder)
    functions = {"none": gen.generate, "prefix": gen.generate_with_prefix_cache,
                 "dual": gen.generate_with_dual_cache}
    cases = []
    for case, plen, seed, n, steps, block, threshold in LLADA_SHAPES:
        ids = prompt(plen, seed)
        outputs = {}
        for mode, fn in functions.items():
            x = torch.tensor([ids], dtype=torch.long)
            with torch.no_grad():
                out, nfe = fn(model, x, steps=steps, gen_length=n, block_length=block,
                              temperature=0.0, remasking="low_confidence", mask_id=mask,
                              threshold=threshold)
            generated = out[0, plen:].tolist()
            outputs[mode] = generated
            cases.append({"name": f"{case}/{mode}", "cache": mode, "prompt_ids": ids,
                          "gen_length": n, "steps": steps, "block_length": block,
                          "threshold": threshold, "output_ids": generated, "nfe": int(nfe)})
        for mode in ("prefix", "dual"):
            cases[-3 + list(functions).index(mode)]["differs_from_none"] = outputs[mode] != outputs["none"]
    return model, mask, cases


# (name, prompt length, prompt seed, gen_length, steps, block_length, alg, threshold)
DREAM_SHAPES = [
    ("four-blocks-entropy", 7, 11, 32, 16, 8, "entropy", None),
    ("two-blocks-entropy-steps-eq-block", 9, 12, 32, 32, 16, "entropy", None),
    ("four-blocks-threshold-0.9", 7, 11, 32, 32, 8, "confidence_threshold", 0.9),
    ("three-blocks-threshold-0.5", 12, 13, 24, 24, 8, "confidence_threshold", 0.5),
    ("one-block-entropy", 8, 14, 24, 12, 24, "entropy", None),
    ("one-block-threshold-0.5", 8, 14, 24, 24, 24, "confidence_threshold", 0.5),
    ("two-blocks-entropy-steps-gt-block", 6, 15, 16, 32, 8, "entropy", None),
]


class Counting:
    """Counts forward calls of a model (the reference's Dream sampler does not return nfe)."""

    def __init__(self, model):
        self.calls = 0
        model.register_forward_pre_hook(self.hook)

    def hook(self, module, args):
        self.calls += 1


def dream_goldens():
    folder = os.path.join(FIXTURES, "tiny-dream")
    model = reference_dream(folder)
    refload.dream_modeling()
    block_utils = importlib.import_module("fastdllm_dream_model.generation_utils_block")
    counter = Counting(model)
    mask, _ = special_ids(folder)
    cases = []
    for case, plen, seed, n, steps, block, alg, threshold in DREAM_SHAPES:
        ids = prompt(plen, seed)
        for mode in ("prefix", "dual"):
            config = block_utils.DreamGenerationConfig(
                temperature=0.0, top_p=None, top_k=50, steps=steps, eps=1e-3, alg=alg,
                alg_temp=None, max_length=plen + n, mask_token_id=mask)
            counter.calls = 0
            x = torch.tensor([ids], dtype=torch.long)
            with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
                out = block_utils.DreamGenerationMixin._sample(
                    model, x, attention_mask=None, generation_config=config,
                    threshold=threshold if threshold is not None else 0.9, block_length=block,
                    dual_cache=(mode == "dual"))
            cases.append({"name": f"{case}/{mode}", "cache": mode, "prompt_ids": ids,
                          "gen_length": n, "steps": steps, "block_length": block, "alg": alg,
                          "threshold": threshold, "top_k": 50, "eps": 1e-3,
                          "output_ids": out[0, plen:].tolist(), "nfe": counter.calls})
    return mask, cases


def write(name, fixture, mask, cases, commit):
    path = os.path.join(GOLDEN, f"cache-{name}.json")
    doc = {"fixture": fixture, "reference": "NVlabs/Fast-dLLM", "reference_commit": commit,
           "torch": torch.__version__, "mask_id": mask, "model_dtype": "float32",
           "notes": ["output_ids: generated positions only; nfe: forward passes (full and cached).",
                     "temperature 0 (greedy); LLaDA remasking low_confidence; Dream top_k 50."],
           "cases": cases}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    differs = sum(1 for c in cases if c.get("differs_from_none"))
    print(f"{path}: {len(cases)} cases ({differs} cached outputs differ from the uncached one)")


def main():
    commit = reference_commit()
    for name in ("llada", "llada-gqa"):
        _, mask, cases = llada_goldens(name)
        write(name, f"tiny-{name}", mask, cases, commit)
    mask, cases = dream_goldens()
    write("dream", "tiny-dream", mask, cases, commit)


if __name__ == "__main__":
    main()
