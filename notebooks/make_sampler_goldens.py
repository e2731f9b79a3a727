"""Golden outputs of the reference samplers (LLaDA, Fast-dLLM, Dream) on a toy mask predictor.

The toy predictor is trivially reimplemented bit for bit in Swift (Tests/UnmaskSamplingTests/
ToyPredictor.swift): every table holds dyadic values (integers / 32, / 1024 or / 256), so every
logit is exact in float32 whatever the order of operations:

    logits[i, v] = E[x_i, v] + a[x_{i-1}] * B[v] + d[x_{i+1}] * G[v] + P[i, v] + m * C[v]

with neighbours taken cyclically and m the number of masks in the canvas. The mask column of E
is -1000 so no reference ever proposes the mask token. Dream's model is wrapped raw: its
`_sample` shifts the rows itself (row i-1 predicts position i), so the Swift side shifts too.

Usage (reference code is never committed; point the script at checkouts):
    LLADA_DIR=/tmp/ref/ML-GSAI+LLaDA FAST_DLLM_DIR=/tmp/ref/NVlabs+Fast-dLLM \
    FAST_DLLM_EXT_FILE=/tmp/ref/NEUIR+PC-Sampler/src/generate.py python3 notebooks/make_sampler_goldens.py

Reference commits (written into goldens.json as "reference_commits"):
    LLADA_DIR           ML-GSAI/LLaDA      b7e6c3565f194352da44b38dd12b6970597309f3
    FAST_DLLM_DIR       NVlabs/Fast-dLLM   24cc59e75f20a6384bae8c905965bb090b96388e
    FAST_DLLM_EXT_FILE  NEUIR/PC-Sampler   8b106b09877b2f69085db1b7bd7c1cc1e935d5a5, src/generate.py

FAST_DLLM_EXT_FILE holds `get_transfer_index_dynamic` (Fast-dLLM's factor rule) and
`generate_with_eb_sampler` (the EB-sampler), which the pinned NVlabs/Fast-dLLM snapshot lacks;
PC-Sampler's src/generate.py is a Fast-dLLM/LLaDA-derived file that has both. Its EB-sampler
returns only the canvas, so the forward passes are counted by the script's own model wrapper.
Re-run on 2026-11-27 with these three commits and torch 2.15.0 (CPU): toy_model.json,
goldens.json (all 319 cases), topk_ties.json and linspace.json came out byte-identical;
softmax.json differed in 740 probabilities by at most 3 ulps (torch's vectorised softmax differs
between CPUs), so the committed one was kept.
Writes Tests/Fixtures/sampler/{toy_model,goldens,topk_ties,linspace,softmax}.json.
"""
import importlib.util
import json
import os
import sys
import types

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refload  # noqa: E402  (only for REFERENCE_COMMITS)

torch.set_num_threads(1)
torch.manual_seed(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "sampler")
LLADA_DIR = os.environ.get("LLADA_DIR", "/tmp/ref/ML-GSAI+LLaDA")
FAST_DLLM_DIR = os.environ.get("FAST_DLLM_DIR", "/tmp/ref/NVlabs+Fast-dLLM")
FAST_DLLM_EXT_FILE = os.environ.get("FAST_DLLM_EXT_FILE", "/tmp/ref/fastdllm-ext/generate_ext.py")

V, TMAX, MASK, EOS, EOT = 112, 64, 111, 100, 101

# ---------------------------------------------------------------- toy model
rs = np.random.default_rng(20261123)
def ints(shape, std):
    return np.clip(np.round(rs.standard_normal(shape) * std), -30000, 30000).astype(np.int64)

tables = {
    "vocabulary": V, "max_length": TMAX, "mask_id": MASK,
    "E": ints((V, V), 3.0 * 32), "a": ints((V,), 1.0 * 32), "B": ints((V,), 1.0 * 32),
    "d": ints((V,), 1.0 * 32), "G": ints((V,), 1.0 * 32), "P": ints((TMAX, V), 1.5 * 32),
    "C": ints((V,), 0.05 * 256),
}
tables["E"][:, MASK] = -1000 * 32
tables["E"][:, EOS] += 4 * 32  # make EOS and EoT frequent proposals so the EOS controls matter
tables["E"][:, EOT] += 4 * 32
E = torch.tensor(tables["E"], dtype=torch.float32) / 32
A = torch.tensor(tables["a"], dtype=torch.float32) / 32
B = torch.tensor(tables["B"], dtype=torch.float32) / 32
D = torch.tensor(tables["d"], dtype=torch.float32) / 32
G = torch.tensor(tables["G"], dtype=torch.float32) / 32
P = torch.tensor(tables["P"], dtype=torch.float32) / 32
C = torch.tensor(tables["C"], dtype=torch.float32) / 256


def toy_logits(x, scale=1.0):
    """[B, T] ids -> [B, T, V] float32 logits (raw rows, no Dream shift), times `scale`.

    A power-of-two scale keeps every logit exact; scale 16 makes the distributions so peaked
    that many confidences are exactly 1.0, so torch.topk's tie order decides the commits."""
    T = x.shape[1]
    left = torch.roll(x, 1, dims=1)
    right = torch.roll(x, -1, dims=1)
    m = (x == MASK).sum(dim=1).to(torch.float32)
    out = E[x] + A[left][..., None] * B + D[right][..., None] * G
    out = out + P[:T]
    out = out + m[:, None, None] * C
    if scale != 1.0:
        out = out * scale
    return out


class ToyLLaDA:
    device = torch.device("cpu")

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, x, attention_mask=None, **kwargs):
        return types.SimpleNamespace(logits=toy_logits(x, self.scale))


class CountingToyLLaDA(ToyLLaDA):
    """ToyLLaDA that counts its forward passes (the EB-sampler loop does not report them)."""

    def __init__(self, scale=1.0):
        super().__init__(scale)
        self.calls = 0

    def __call__(self, x, attention_mask=None, **kwargs):
        self.calls += 1
        return super().__call__(x, attention_mask, **kwargs)


# ---------------------------------------------------------------- references
def load_module(name, path, patches=()):
    src = open(path).read()
    for old, new in patches:
        assert old in src, f"patch target not found in {path}: {old}"
        src = src.replace(old, new)
    mod = types.ModuleType(name)
    mod.__file__ = path
    exec(compile(src, path, "exec"), mod.__dict__)
    return mod

# LLaDA generate(): EOS/EoT ids are hard-coded for LLaDA-8B; the toy's replace them. The
# confidence softmax runs in float64 as in LLaDA before 2025-06 and in Fast-dLLM's copy.
llada = load_module("llada_generate", os.path.join(LLADA_DIR, "generate.py"), [
    ("126081", str(EOS)), ("126348", str(EOT)),
    ("p = F.softmax(logits, dim=-1)", "p = F.softmax(logits.to(torch.float64), dim=-1)"),
])

# The same function unpatched except for the ids: its softmax runs in the logits' dtype (float32).
llada_f32 = load_module("llada_generate_f32", os.path.join(LLADA_DIR, "generate.py"), [
    ("126081", str(EOS)), ("126348", str(EOT)),
])

sys.path.insert(0, os.path.join(FAST_DLLM_DIR, "llada"))
try:
    import model.modeling_llada  # noqa: F401
except Exception:  # the model file is not needed: stub it
    pkg = types.ModuleType("model"); sub = types.ModuleType("model.modeling_llada")
    sub.LLaDAModelLM = object; pkg.modeling_llada = sub
    sys.modules["model"] = pkg; sys.modules["model.modeling_llada"] = sub
fast = load_module("fast_generate", os.path.join(FAST_DLLM_DIR, "llada", "generate.py"))
if not os.path.exists(FAST_DLLM_EXT_FILE):
    sys.exit(f"error: FAST_DLLM_EXT_FILE={FAST_DLLM_EXT_FILE} does not exist. It must define "
             "get_transfer_index_dynamic(logits, temperature, remasking, mask_index, x, "
             "num_transfer_tokens, factor) and generate_with_eb_sampler(model, prompt, gamma, "
             "gen_length, temperature, cfg_scale, mask_id) -> (x, nfe), taken from a Fast-dLLM-derived "
             "llada/generate.py that has them (the NVlabs snapshot used here predates both).")
ext = load_module("fast_ext", FAST_DLLM_EXT_FILE)
dream_utils = load_module("dream_generation_utils",
                          os.path.join(FAST_DLLM_DIR, "dream", "model", "generation_utils.py"))


class ToyDream(dream_utils.DreamGenerationMixin):
    device = torch.device("cpu")

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, x, attention_mask=None, tok_idx=None):
        return types.SimpleNamespace(logits=toy_logits(x, self.scale))


def run_dream(prompt, length, steps, alg, top_k=50, top_p=None, alg_temp=None, scale=1.0, threshold=0.9):
    cfg = dream_utils.DreamGenerationConfig(
        temperature=0.0, top_p=top_p, top_k=top_k, steps=steps, eps=1e-3, alg=alg,
        alg_temp=alg_temp, max_length=prompt.shape[1] + length, mask_token_id=MASK)
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):
        x = ToyDream(scale)._sample(prompt, attention_mask=None, generation_config=cfg,
                               generation_tokens_hook_func=lambda s, x, l: x,
                               generation_logits_hook_func=lambda s, x, l: l, threshold=threshold)
    if alg == "confidence_threshold":  # _sample may add steps; count the forward passes
        return x, None
    return x, steps


# ---------------------------------------------------------------- cases
def prompt_of(n, salt):
    g = np.random.default_rng(1000 + salt)
    return torch.tensor(g.integers(0, 100, size=(1, n)), dtype=torch.long)

def base_settings(**kw):
    s = {"mask_id": MASK, "eos_id": EOS, "eot_id": EOT}
    s.update(kw)
    return s

cases = []
def add(name, reference, prompt, settings, x, nfe, dream_shift=False, scale=1.0):
    out = x[0, prompt.shape[1]:].tolist()
    assert MASK not in out, name
    cases.append({"name": name, "reference": reference, "prompt": prompt[0].tolist(),
                  "settings": settings, "dream_shift": dream_shift, "scale": scale,
                  "generated": out, "forward_passes": nfe})

shapes = [  # (prompt length, length, steps, block length)
    (8, 32, 32, 32), (8, 32, 16, 8), (5, 40, 20, 10), (6, 24, 8, 24), (10, 32, 12, 16),
    (4, 24, 48, 12), (3, 48, 24, 16),
]
# LLaDA generate(): low_confidence x shapes x cfg x EOS controls.
for si, (pl, n, steps, bl) in enumerate(shapes):
    for cfg in (0.0, 1.5):
        for eos_inf, conf_inf in ((False, False), (True, False), (False, True), (True, True)):
            prompt = prompt_of(pl, si)
            x = llada.generate(ToyLLaDA(), prompt, attention_mask=torch.ones_like(prompt), steps=steps,
                               gen_length=n, block_length=bl, temperature=0.0, cfg_scale=cfg,
                               remasking="low_confidence", mask_id=MASK, logits_eos_inf=eos_inf,
                               confidence_eos_eot_inf=conf_inf)
            blocks = n // bl
            add(f"llada/{si}/cfg{cfg}/eos{int(eos_inf)}{int(conf_inf)}", "llada", prompt,
                base_settings(length=n, steps=steps, block_length=bl, strategy="confidence",
                              cfg_scale=cfg, logits_eos_inf=eos_inf, confidence_eos_eot_inf=conf_inf),
                x, steps * (2 if cfg > 0 else 1))

# Fast-dLLM generate(): counts with early block stop, thresholds, factor rule.
for si, (pl, n, steps, bl) in enumerate(shapes):
    prompt = prompt_of(pl, si)
    x, nfe = fast.generate(ToyLLaDA(), prompt, steps=steps, gen_length=n, block_length=bl,
                           temperature=0.0, remasking="low_confidence", mask_id=MASK, threshold=None)
    add(f"fast-dllm/{si}/counts", "fast-dllm", prompt,
        base_settings(length=n, steps=steps, block_length=bl, strategy="confidence",
                      stop_when_block_complete=True), x, nfe)
    for th in (0.9, 0.7, 0.5, 0.3, 0.1):
        x, nfe = fast.generate(ToyLLaDA(), prompt, steps=steps, gen_length=n, block_length=bl,
                               temperature=0.0, remasking="low_confidence", mask_id=MASK, threshold=th)
        add(f"fast-dllm/{si}/threshold{th}", "fast-dllm", prompt,
            base_settings(length=n, steps=steps, block_length=bl, strategy="threshold", threshold=th,
                          stop_when_block_complete=True), x, nfe)
    for factor in (0.5, 1.0, 2.0, 4.0):
        original = fast.get_transfer_index
        fast.get_transfer_index = (lambda logits, temperature, remasking, mask_index, x, num, threshold=None, f=factor:
                                   ext.get_transfer_index_dynamic(logits, temperature, remasking, mask_index, x, None, f))
        try:  # generate_with_fast_dllm(factor=...) is generate() with this swap
            x, nfe = fast.generate(ToyLLaDA(), prompt, steps=steps, gen_length=n, block_length=bl,
                                   temperature=0.0, remasking="low_confidence", mask_id=MASK, threshold=1.0)
        finally:
            fast.get_transfer_index = original
        add(f"fast-dllm/{si}/factor{factor}", "fast-dllm-factor", prompt,
            base_settings(length=n, steps=steps, block_length=bl, strategy="factor", factor=factor,
                          stop_when_block_complete=True), x, nfe)

# EB-sampler (one block, until complete).
for si, (pl, n, steps, bl) in enumerate(shapes[:4]):
    prompt = prompt_of(pl, si)
    for gamma in (0.0, 0.1, 1.0, 5.0):
        # The forward passes are counted here: PC-Sampler's generate_with_eb_sampler returns x
        # alone, other derived copies return (x, nfe) or (x, entropy).
        counting = CountingToyLLaDA()
        out = ext.generate_with_eb_sampler(counting, prompt, gamma=gamma, gen_length=n, mask_id=MASK)
        x, nfe = (out[0] if isinstance(out, tuple) else out), counting.calls
        add(f"eb/{si}/gamma{gamma}", "eb-sampler", prompt,
            base_settings(length=n, steps=n, block_length=n, strategy="entropy-bounded",
                          entropy_bound=gamma), x, int(nfe))

# Dream _sample(): maskgit_plus / topk_margin / entropy x shapes x filters.
dream_shapes = [(8, 32, 32), (8, 32, 16), (5, 40, 13), (6, 24, 7), (4, 24, 30), (3, 48, 48), (7, 33, 5)]
algs = {"maskgit_plus": "confidence", "topk_margin": "margin", "entropy": "entropy"}
for si, (pl, n, steps) in enumerate(dream_shapes):
    prompt = prompt_of(pl, 100 + si)
    for alg, strategy in algs.items():
        for top_k, top_p in ((50, None), (None, None), (50, 0.9), (20, 0.5)):
            x, nfe = run_dream(prompt, n, steps, alg, top_k=top_k, top_p=top_p)
            add(f"dream/{si}/{alg}/k{top_k}/p{top_p}", "dream", prompt,
                base_settings(length=n, steps=steps, block_length=n, strategy=strategy, rounding="truncate",
                              proposal="dream", top_k=top_k, top_p=top_p, eps=1e-3),
                x, nfe, dream_shift=True)

# Fast-dLLM's Dream confidence_threshold (budget M/steps, deferrals, extra steps).
class CountingDream(ToyDream):
    def __init__(self, scale=1.0):
        super().__init__(scale)
        self.calls = 0

    def __call__(self, x, attention_mask=None, tok_idx=None):
        self.calls += 1
        return super().__call__(x, attention_mask, tok_idx)

def run_dream_threshold(prompt, length, steps, threshold, scale=1.0):
    model = CountingDream(scale)
    cfg = dream_utils.DreamGenerationConfig(
        temperature=0.0, top_p=None, top_k=50, steps=steps, eps=1e-3, alg="confidence_threshold",
        alg_temp=None, max_length=prompt.shape[1] + length, mask_token_id=MASK)
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):
        x = model._sample(prompt, attention_mask=None, generation_config=cfg,
                          generation_tokens_hook_func=lambda s, x, l: x,
                          generation_logits_hook_func=lambda s, x, l: l, threshold=threshold)
    return x, model.calls

for si, (pl, n, steps) in enumerate([(8, 32, 32), (8, 32, 8), (5, 40, 10), (6, 24, 4), (4, 48, 16)]):
    for scale in (1.0, 16.0):
        prompt = prompt_of(pl, 400 + si)
        for th in (0.9, 0.5, 0.2):
            x, nfe = run_dream_threshold(prompt, n, steps, th, scale)
            add(f"dream-threshold/{si}/x{scale}/threshold{th}", "dream-confidence-threshold", prompt,
                base_settings(length=n, steps=steps, block_length=n, strategy="dream-threshold",
                              threshold=th, rounding="truncate", proposal="dream", top_k=50, eps=1e-3),
                x, nfe, dream_shift=True, scale=scale)

# Peaked logits (scale 16): exact ties at confidence 1.0, broken as torch.topk breaks them.
SCALE = 16.0
for si, (pl, n, steps, bl) in enumerate(shapes):
    prompt = prompt_of(pl, 200 + si)
    for cfg in (0.0, 1.5):
        for module, precision in ((llada, "float64"), (llada_f32, "float32")):
            x = module.generate(ToyLLaDA(SCALE), prompt, attention_mask=torch.ones_like(prompt), steps=steps,
                                gen_length=n, block_length=bl, temperature=0.0, cfg_scale=cfg,
                                remasking="low_confidence", mask_id=MASK)
            add(f"peaked/llada-{precision}/{si}/cfg{cfg}", "llada", prompt,
                base_settings(length=n, steps=steps, block_length=bl, strategy="confidence",
                              cfg_scale=cfg, confidence_precision=precision),
                x, steps * (2 if cfg > 0 else 1), scale=SCALE)
    for th in (0.9, 0.5):
        x, nfe = fast.generate(ToyLLaDA(SCALE), prompt, steps=steps, gen_length=n, block_length=bl,
                               temperature=0.0, remasking="low_confidence", mask_id=MASK, threshold=th)
        add(f"peaked/fast-dllm/{si}/threshold{th}", "fast-dllm", prompt,
            base_settings(length=n, steps=steps, block_length=bl, strategy="threshold", threshold=th,
                          stop_when_block_complete=True), x, nfe, scale=SCALE)
for si, (pl, n, steps) in enumerate(dream_shapes):
    prompt = prompt_of(pl, 300 + si)
    for alg, strategy in algs.items():
        x, nfe = run_dream(prompt, n, steps, alg, top_k=50, scale=SCALE)
        add(f"peaked/dream/{si}/{alg}", "dream", prompt,
            base_settings(length=n, steps=steps, block_length=n, strategy=strategy, rounding="truncate",
                          proposal="dream", top_k=50, eps=1e-3),
            x, nfe, dream_shift=True, scale=SCALE)

# ---------------------------------------------------------------- small fixtures
g = np.random.default_rng(7)
ties = []
for trial in range(160):
    n = int(g.choice([5, 18, 30, 64, 65, 100, 130, 200]))
    levels = int(g.choice([1, 2, 3, 5, 50]))
    vals = [float(g.integers(0, levels + 1)) if g.random() < 0.7 else float("-inf") for _ in range(n)]
    k = int(g.integers(1, n + 1)) if g.random() < 0.5 else int(g.integers(1, min(n, 5) + 1))
    idx = torch.topk(torch.tensor(vals, dtype=torch.float64), k).indices.tolist()
    ties.append({"values": [v if v != float("-inf") else None for v in vals], "k": k, "indices": idx})

# torch.softmax float32 rows (TorchSoftmax): several widths (tails, fewer than 8 lanes) and scales.
gs = torch.Generator().manual_seed(11)
softmax_rows = []
for width in (5, 13, 112, 300):
    for scale in (1.0, 8.0, 40.0):
        rows = torch.randn(5, width, generator=gs) * scale
        rows[0, 1] = float("-inf")
        for row in rows:
            softmax_rows.append({"logits": row.view(torch.int32).tolist(),
                                 "probabilities": torch.softmax(row, -1).view(torch.int32).tolist()})

counts = list(range(2, 70)) + [100, 129, 257, 513, 1025]
linspace = [{"count": c, "bits": torch.linspace(1, 1e-3, c).view(torch.int32).tolist()} for c in counts]

os.makedirs(OUT, exist_ok=True)
def dump(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
dump("toy_model.json", {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in tables.items()})
dump("goldens.json", {"torch": torch.__version__,
                      "reference_commits": {**refload.REFERENCE_COMMITS,
                                            **refload.FAST_DLLM_EXT_COMMIT},
                      "cases": cases})
dump("topk_ties.json", ties)
dump("linspace.json", linspace)
dump("softmax.json", softmax_rows)
print(f"{len(cases)} golden cases written to {OUT}")
