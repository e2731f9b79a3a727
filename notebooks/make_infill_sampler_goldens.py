"""Goldens for issue 16: infilling (Dream), LLaDA's issue-137 EOS behaviour, PC-Sampler, KLASS.

Runs the authors' public code, unmodified except where noted, on the toy mask predictor of
notebooks/make_sampler_goldens.py (read back from Tests/Fixtures/sampler/toy_model.json, which
Tests/UnmaskSamplingTests/ToyPredictor.swift reimplements bit for bit).

Usage (reference code is never committed; point the script at checkouts, e.g. made with
`git --git-dir=/work/.mirror/<owner+name>/repo show HEAD:<path>`):
    FAST_DLLM_DIR=/tmp/ref/NVlabs+Fast-dLLM LLADA_DIR=/tmp/ref/ML-GSAI+LLaDA \
    PC_SAMPLER_DIR=/tmp/ref/NEUIR+PC-Sampler KLASS_DIR=/tmp/ref/shkim0116+KLASS \
    DUS_DIR=/tmp/ref/omerlux+DUS SGLANG_DIR=/tmp/ref/sgl-project+sglang \
    WINO_DIR=/tmp/ref/Feng-Hong+WINO-DLLM \
    python3 notebooks/make_infill_sampler_goldens.py

Files read: FAST_DLLM_DIR/dream/model/generation_utils.py (Dream `_sample`), LLADA_DIR/generate.py,
PC_SAMPLER_DIR/src/generate.py (`generate_with_pc_sampler`), KLASS_DIR/src/model/llada_klass.py
(`stable_confident_decode`), DUS_DIR/generate.py (`generate_scheduled`, `dilated_unmask_levels`,
`merge_last_level`), SGLANG_DIR/python/sglang/srt/dllm/algorithm/joint_threshold.py
(`JointThreshold`, with its sglang imports stubbed: it only needs `block_size`, `mask_id` and
`model_runner.forward`). Each reference's git commit is recorded when the directory is a
git checkout or when <DIR>_COMMIT is set.

Patches (in memory): LLaDA-8B's EOS/EoT/mask ids become the toy's; PC-Sampler's background
frequencies (`BASE_LINE`, normally loaded from a corpus count file) are a toy table written to
the golden file; KLASS hard-codes `mask_id = 126336` inside the function: that line is removed.

DUS runs `generate_scheduled(scheduler="dilated", remasking="none")`. SGLang runs JointThreshold
one block at a time with the prefix in a KV cache; here each block's `run()` is driven over the
whole toy canvas (prompt, finished blocks, the block, the later blocks' masks), which is how
Unmask runs it; its extra forward pass after a changed last step (KV cache upkeep) is not counted.

Writes Tests/Fixtures/sampler/goldens_issue16.json and Tests/Fixtures/golden/infill-dream.json
(the tiny-dream fixture through Dream's real model code and diffusion_generate(); FAST_DLLM_DIR
must then be a checkout with dream/model/ and llada/model/, as notebooks/refload.py expects).
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import types

import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "sampler", "goldens_issue16.json")


def ref_dir(var, rel):
    path = os.environ.get(var)
    if not path or not os.path.exists(os.path.join(path, rel)):
        sys.exit(f"error: {var} must point at a checkout holding {rel} (got {path!r})")
    return path


def ref_commit(var, path):
    if os.environ.get(var + "_COMMIT"):
        return os.environ[var + "_COMMIT"]
    try:
        return subprocess.check_output(["git", "-C", path, "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


DIRS = {
    "FAST_DLLM_DIR": ref_dir("FAST_DLLM_DIR", "dream/model/generation_utils.py"),
    "LLADA_DIR": ref_dir("LLADA_DIR", "generate.py"),
    "PC_SAMPLER_DIR": ref_dir("PC_SAMPLER_DIR", "src/generate.py"),
    "KLASS_DIR": ref_dir("KLASS_DIR", "src/model/llada_klass.py"),
    "DUS_DIR": ref_dir("DUS_DIR", "generate.py"),
    "SGLANG_DIR": ref_dir("SGLANG_DIR", "python/sglang/srt/dllm/algorithm/joint_threshold.py"),
    "WINO_DIR": ref_dir("WINO_DIR", "LLaDA/decoding.py"),
}
COMMITS = {k: ref_commit(k, v) for k, v in DIRS.items()}

# ---------------------------------------------------------------- toy model (from the fixture)
with open(os.path.join(ROOT, "Tests", "Fixtures", "sampler", "toy_model.json")) as f:
    tables = json.load(f)
V, MASK = tables["vocabulary"], tables["mask_id"]
EOS, EOT = 100, 101
E = torch.tensor(tables["E"], dtype=torch.float32) / 32
A = torch.tensor(tables["a"], dtype=torch.float32) / 32
B = torch.tensor(tables["B"], dtype=torch.float32) / 32
D = torch.tensor(tables["d"], dtype=torch.float32) / 32
G = torch.tensor(tables["G"], dtype=torch.float32) / 32
P = torch.tensor(tables["P"], dtype=torch.float32) / 32
C = torch.tensor(tables["C"], dtype=torch.float32) / 256


def toy_logits(x, scale=1.0):
    """Exactly notebooks/make_sampler_goldens.py's toy_logits."""
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
    config = types.SimpleNamespace(vocab_size=V)

    def __call__(self, x, attention_mask=None, **kwargs):
        return types.SimpleNamespace(logits=toy_logits(x))


def load_module(name, path, patches=()):
    src = open(path).read()
    for old, new in patches:
        assert old in src, f"patch target not found in {path}: {old}"
        src = src.replace(old, new)
    mod = types.ModuleType(name)
    mod.__file__ = path
    exec(compile(src, path, "exec"), mod.__dict__)
    return mod


cases = []


def add(name, reference, canvas, prompt_length, length, settings, x, nfe, dream_shift=False):
    out = x[0].tolist()
    assert MASK not in out, name
    cases.append({"name": name, "reference": reference, "canvas": canvas[0].tolist(),
                  "prompt_length": prompt_length, "length": length, "settings": settings,
                  "dream_shift": dream_shift, "final": out, "forward_passes": nfe})


def base(**kw):
    s = {"mask_id": MASK, "eos_id": EOS, "eot_id": EOT}
    s.update(kw)
    return s


def ids(n, salt, low=0, high=100):
    g = np.random.default_rng(5000 + salt)
    return torch.tensor(g.integers(low, high, size=(1, n)), dtype=torch.long)


def with_masks(t, positions):
    t = t.clone()
    for p in positions:
        t[0, p] = MASK
    return t


# ---------------------------------------------------------------- Dream infilling
dream_utils = load_module("dream_generation_utils",
                          os.path.join(DIRS["FAST_DLLM_DIR"], "dream", "model", "generation_utils.py"))


class ToyDream(dream_utils.DreamGenerationMixin):
    device = torch.device("cpu")

    def __call__(self, x, attention_mask=None, tok_idx=None):
        return types.SimpleNamespace(logits=toy_logits(x))


def run_dream(input_ids, steps, alg, top_k=50):
    """`_sample` as `diffusion_generate` calls it: input ids given, max_length = their length,
    so the canvas is exactly `input_ids` (masks anywhere) and nothing is appended."""
    cfg = dream_utils.DreamGenerationConfig(
        temperature=0.0, top_p=None, top_k=top_k, steps=steps, eps=1e-3, alg=alg, alg_temp=None,
        max_length=input_ids.shape[1], mask_token_id=MASK)
    with contextlib.redirect_stdout(io.StringIO()):
        return ToyDream()._sample(input_ids, attention_mask=None, generation_config=cfg,
                                  generation_tokens_hook_func=lambda s, x, l: x,
                                  generation_logits_hook_func=lambda s, x, l: l)


algs = {"maskgit_plus": "confidence", "topk_margin": "margin", "entropy": "entropy"}
# (prompt length, masks in the prompt, generated length, suffix length, masks in the suffix, steps)
infill_shapes = [
    (8, [2, 5], 16, 0, [], 16), (8, [0, 1, 2, 3], 12, 6, [], 8), (6, [4], 10, 5, [1, 3], 7),
    (10, [], 12, 8, [], 12), (5, [1, 2, 3], 3, 4, [], 3), (12, [3, 4, 9], 20, 10, [0, 9], 9),
]
for si, (pl, pm, n, sl, sm, steps) in enumerate(infill_shapes):
    prompt = with_masks(ids(pl, si), pm)
    suffix = with_masks(ids(sl, 50 + si), sm)
    canvas = torch.cat([prompt, torch.full((1, n), MASK), suffix], dim=1)
    for alg, strategy in algs.items():
        x = run_dream(canvas, steps, alg)
        add(f"dream-infill/{si}/{alg}", "dream", canvas, pl, n,
            base(length=n, steps=steps, block_length=n, strategy=strategy, rounding="truncate",
                 proposal="dream", top_k=50, eps=1e-3), x, steps, dream_shift=True)

# ---------------------------------------------------------------- LLaDA issue 137
# At temperature > 0, `logits_with_noise[:, :, eos] = logits[:, :, eot] = -inf` writes EOS into
# the noisy copy, so only EoT reaches the confidence softmax. Temperature 1e-9 keeps the draw
# deterministic in practice: (-log u)^1e-9 is 1 within 4e-8, far below the toy's logit gaps, so
# x0 is the noiseless argmax in the reference and in Unmask alike.
llada64 = load_module("llada_generate", os.path.join(DIRS["LLADA_DIR"], "generate.py"), [
    ("126081", str(EOS)), ("126348", str(EOT)),
    ("p = F.softmax(logits, dim=-1)", "p = F.softmax(logits.to(torch.float64), dim=-1)")])
llada32 = load_module("llada_generate_f32", os.path.join(DIRS["LLADA_DIR"], "generate.py"), [
    ("126081", str(EOS)), ("126348", str(EOT))])
eos_shapes = [(8, 32, 32, 32), (8, 32, 16, 8), (5, 40, 20, 10), (6, 24, 8, 24)]
for si, (pl, n, steps, bl) in enumerate(eos_shapes):
    prompt = ids(pl, 100 + si)
    for module, precision in ((llada64, "float64"), (llada32, "float32")):
        for temperature in (0.0, 1e-9):
            x = module.generate(ToyLLaDA(), prompt, attention_mask=torch.ones_like(prompt),
                                steps=steps, gen_length=n, block_length=bl,
                                temperature=temperature, remasking="low_confidence", mask_id=MASK,
                                confidence_eos_eot_inf=True)
            canvas = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
            add(f"llada-eos-bug/{si}/{precision}/t{temperature}", "llada", canvas, pl, n,
                base(length=n, steps=steps, block_length=bl, strategy="confidence",
                     temperature=temperature, confidence_eos_eot_inf=True,
                     reference_eos_bug=True, confidence_precision=precision), x, steps)

# ---------------------------------------------------------------- PC-Sampler
pc = load_module("pc_sampler_generate", os.path.join(DIRS["PC_SAMPLER_DIR"], "src", "generate.py"))
bg_counts = np.random.default_rng(77).integers(1, 5000, size=V)
bg_counts[MASK] = 1
bg = (bg_counts / bg_counts.sum()).astype(np.float32)
pc.BASE_LINE = torch.tensor(bg, dtype=torch.float32)
pc_shapes = [(8, 32, 32, 32), (8, 32, 16, 8), (5, 40, 20, 10), (6, 24, 8, 24), (4, 24, 24, 12)]
for si, (pl, n, steps, bl) in enumerate(pc_shapes):
    prompt = ids(pl, 200 + si)
    for lambd, alpha in ((0.25, 10.0), (0.0, 1.0), (1.0, 0.5), (0.05, 3.0)):
        x = pc.generate_with_pc_sampler(ToyLLaDA(), prompt, steps=steps, gen_length=n,
                                        block_length=bl, lambd=lambd, alpha=alpha,
                                        temperature=0.0, mask_id=MASK)
        canvas = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
        add(f"pc-sampler/{si}/l{lambd}/a{alpha}", "pc-sampler", canvas, pl, n,
            base(length=n, steps=steps, block_length=bl, strategy="pc-sampler",
                 confidence_precision="float32", pc_lambda=lambd, pc_alpha=alpha), x, steps)

# ---------------------------------------------------------------- KLASS
# The fallback `topk(confidence, k=num_transfer_tokens[step])` can pick more positions than
# masks are left in the block (after larger ready sets); the extra, -inf-scored, positions (a
# committed token, a prompt token or a mask of a later block) are then overwritten with the
# current argmax. `_overwrites` records when a step writes outside the block's masks, and such
# runs are skipped like those that leave masks (Unmask writes only the block's masks).
klass = load_module("klass_llada", os.path.join(DIRS["KLASS_DIR"], "src", "model", "llada_klass.py"),
                    [("    mask_id = 126336\n", "\n"),
                     ("            x[transfer_index] = x0[transfer_index]\n",
                      "            _overwrites.append(bool((transfer_index & ~mask_index).any()))\n"
                      "            x[transfer_index] = x0[transfer_index]\n")])
klass._overwrites = []
klass_shapes = [(8, 32, 32, 32), (8, 32, 16, 8), (5, 40, 20, 10), (6, 24, 8, 24), (4, 48, 24, 16),
                (8, 32, 8, 32), (6, 40, 40, 20), (5, 24, 12, 12)]
skipped = []
for si, (pl, n, steps, bl) in enumerate(klass_shapes):
    prompt = ids(pl, 300 + si)
    for conf, kl, hist in ((0.9, 0.01, 2), (0.6, 0.05, 2), (0.3, 0.5, 3), (0.5, 1.0, 2)):
        x, used = klass.stable_confident_decode(
            ToyLLaDA(), None, prompt, gen_length=n, steps=steps, block_length=bl,
            temperature=0.0, mask_id=MASK, conf_threshold=conf, kl_threshold=kl,
            kl_history_length=hist, alg="klass", unmask_strategy="all")
        name = f"klass/{si}/c{conf}/kl{kl}/h{hist}"
        overwrote = any(klass._overwrites)
        klass._overwrites.clear()
        if MASK in x[0].tolist() or overwrote:  # the reference can leave masks (see docs/STRATEGIES.md)
            skipped.append(name)
            continue
        canvas = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
        add(name, "klass", canvas, pl, n,
            base(length=n, steps=steps, block_length=bl, strategy="klass", klass_confidence=conf,
                 klass_kl=kl, klass_history=hist, stop_when_block_complete=True), x, int(used))

# ---------------------------------------------------------------- DUS
class CountingLLaDA(ToyLLaDA):
    def __init__(self):
        self.calls = 0

    def __call__(self, x, attention_mask=None, **kwargs):
        self.calls += 1
        return super().__call__(x, attention_mask, **kwargs)


dus = load_module("dus_generate", os.path.join(DIRS["DUS_DIR"], "generate.py"))
dus_shapes = [(8, 32, 32), (8, 32, 8), (5, 40, 10), (6, 24, 24), (4, 48, 16), (3, 30, 15)]
for si, (pl, n, bl) in enumerate(dus_shapes):
    prompt = ids(pl, 400 + si)
    for base_, skip in ((2, 1), (2, 2), (3, 1), (4, 1)):
        model = CountingLLaDA()
        x, _ = dus.generate_scheduled(model, prompt, steps=n // bl, gen_length=n, block_length=bl,
                                      temperature=0.0, remasking="none", mask_id=MASK,
                                      scheduler="dilated", base=base_, base_skip=skip)
        canvas = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
        add(f"dus/{si}/base{base_}/skip{skip}", "dus", canvas, pl, n,
            base(length=n, steps=n // bl, block_length=bl, strategy="dus", dus_base=base_,
                 dus_skip=skip), x, model.calls)

# ---------------------------------------------------------------- JointThreshold (SGLang)
def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module


class DllmAlgorithm:
    def __init__(self, config):
        self.block_size = config.block_size
        self.mask_id = config.mask_id


for pkg in ("sglang", "sglang.srt", "sglang.srt.dllm", "sglang.srt.dllm.algorithm",
            "sglang.srt.layers", "sglang.srt.model_executor"):
    stub(pkg)
stub("sglang.srt.dllm.algorithm.base", DllmAlgorithm=DllmAlgorithm)
stub("sglang.srt.dllm.config", DllmConfig=object)
stub("sglang.srt.layers.logits_processor", LogitsProcessorOutput=object)
stub("sglang.srt.model_executor.forward_batch_info", ForwardBatch=object)
stub("sglang.srt.model_executor.model_runner", ModelRunner=object)
joint = load_module("joint_threshold", os.path.join(
    DIRS["SGLANG_DIR"], "python", "sglang", "srt", "dllm", "algorithm", "joint_threshold.py"), [
    ("        if any_changed_in_last_step:\n            out = model_runner.forward",
     "        if any_changed_in_last_step:\n            model_runner.cache_pass = True\n"
     "            out = model_runner.forward")])


class BlockRunner:
    """model_runner.forward: the toy's logits of the current block, over the whole canvas."""

    def __init__(self, x, start, size):
        self.x, self.start, self.size = x, start, size
        self.calls = 0
        self.cache_pass = False

    def forward(self, forward_batch, pp_proxy_tensors=None):
        if not self.cache_pass:
            self.calls += 1
        logits = toy_logits(self.x)[0, self.start:self.start + self.size].clone()
        return types.SimpleNamespace(
            logits_output=types.SimpleNamespace(full_logits=logits), can_run_graph=False)


def run_joint(prompt, n, bl, threshold, edit_threshold, max_post):
    config = types.SimpleNamespace(block_size=bl, mask_id=MASK, algorithm_config={
        "threshold": threshold, "edit_threshold": edit_threshold,
        "max_post_edit_steps": max_post})
    algorithm = joint.JointThreshold(config)
    x = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
    passes = 0
    for b in range(n // bl):
        start = prompt.shape[1] + b * bl
        runner = BlockRunner(x, start, bl)
        batch = types.SimpleNamespace(batch_size=1, input_ids=x[0, start:start + bl])  # a view
        algorithm.run(runner, batch)
        passes += runner.calls
    return x, passes


joint_shapes = [(8, 32, 32), (8, 32, 8), (5, 40, 10), (6, 24, 24), (4, 48, 16)]
for si, (pl, n, bl) in enumerate(joint_shapes):
    prompt = ids(pl, 500 + si)
    for th, edit, post in ((0.5, 0.0, 16), (0.9, 0.5, 4), (0.3, 0.8, 16), (0.7, 0.0, 0)):
        x, passes = run_joint(prompt, n, bl, th, edit, post)
        canvas = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
        add(f"token-editing/{si}/t{th}/e{edit}/p{post}", "sglang-joint-threshold", canvas, pl, n,
            base(length=n, steps=n // bl, block_length=bl, strategy="token-editing",
                 threshold=th, edit_threshold=edit, max_post_edit_steps=post,
                 confidence_precision="float32"), x, passes)

# ---------------------------------------------------------------- WINO
# decoding_wino needs a model that honours an attention mask and position ids (it appends a
# shadow copy of the block). The toy attention predictor, reimplemented in Swift
# (Tests/UnmaskSamplingTests/AttentionToyPredictor.swift):
#   logits[q, v] = E[x_q, v] + sum over keys k visible to q of A[x_k, v] * w[pos_k - pos_q + 63]
# with A[mask] = 0, so a mask key adds nothing. Then a shadow row (a mask at position p that sees
# every other position) gives exactly the logits of position p in the plain canvas with p masked,
# which is how Unmask's WINO verifies; the main rows see only the plain canvas. Dyadic tables
# (E, A in 1/32, w in 1/4, small) keep every sum exact in float32 whatever the order.
wino = load_module("wino_decoding", os.path.join(DIRS["WINO_DIR"], "LLaDA", "decoding.py"))
rw = np.random.default_rng(31)
att = {"E": np.round(rw.standard_normal((V, V)) * 2.5 * 32).astype(np.int64),
       "A": np.round(rw.standard_normal((V, V)) * 0.6 * 32).astype(np.int64),
       "w": np.round(rw.standard_normal(127) * 1.0 * 4).astype(np.int64)}
att["E"][:, MASK] = -1000 * 32
att["A"][MASK, :] = 0
AE = torch.tensor(att["E"], dtype=torch.float32) / 32
AA = torch.tensor(att["A"], dtype=torch.float32) / 32
AW = torch.tensor(att["w"], dtype=torch.float32) / 4


def attention_logits(x, attention_mask=None, position_ids=None):
    L = x.shape[1]
    pos = torch.arange(L) if position_ids is None else position_ids.reshape(-1)
    visible = torch.ones(L, L, dtype=torch.bool) if attention_mask is None else attention_mask[0, 0]
    rel = (pos[None, :] - pos[:, None]) + 63                       # [q, k]
    weights = torch.where(visible, AW[rel], torch.zeros(()))        # [q, k]
    out = AE[x[0]] + weights @ AA[x[0]]                             # [L, V]
    return out[None]


class AttentionToy:
    device = torch.device("cpu")

    def __call__(self, x, attention_mask=None, position_ids=None, **kwargs):
        return types.SimpleNamespace(logits=attention_logits(x, attention_mask, position_ids))


wino_shapes = [(6, 16, 16), (6, 32, 16), (4, 24, 8), (8, 32, 32), (5, 40, 20)]
for si, (pl, n, bl) in enumerate(wino_shapes):
    prompt = ids(pl, 600 + si)
    for th, back in ((0.6, 0.9), (0.3, 0.9), (0.5, 0.99), (0.8, 0.5)):
        x, steps = wino.decoding_wino(AttentionToy(), prompt, gen_length=n, block_length=bl,
                                      temperature=0.0, mask_id=MASK, threshold=th,
                                      threshold_back=back)
        canvas = torch.cat([prompt, torch.full((1, n), MASK)], dim=1)
        add(f"wino/{si}/t{th}/b{back}", "wino", canvas, pl, n,
            base(length=n, steps=n // bl, block_length=bl, strategy="wino", threshold=th,
                 verify_threshold=back), x, int(steps))

# ---------------------------------------------------------------- tiny-dream diffusion_generate
# The real Dream model code (Fast-dLLM's dream/model, loaded by notebooks/refload.py) on the
# tiny-dream fixture: diffusion_generate() given input ids with masks in them. A suffix is
# expressed as it can be there: prompt + masks + suffix as input ids, max_new_tokens more masks.
sys.path.insert(0, os.path.join(ROOT, "notebooks"))
import refload  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

dream_conf, dream_modeling, _ = refload.dream_modeling()
tiny = os.path.join(ROOT, "Tests", "Fixtures", "tiny-dream")
with open(os.path.join(tiny, "config.json")) as f:
    tiny_cfg = json.load(f)
torch.manual_seed(0)  # post_init draws random weights that are then overwritten
tiny_model = dream_modeling.DreamModel(dream_conf.DreamConfig(**tiny_cfg))
tiny_model.load_state_dict({k: v.to(torch.float32) for k, v in
                            load_file(os.path.join(tiny, "model.safetensors")).items()}, strict=True)
tiny_model = tiny_model.to(torch.float32).eval()
TM = tiny_cfg["mask_token_id"]
tiny_cases = []
tiny_shapes = [  # (input ids with masks, max_new_tokens, steps, alg)
    ([10, 20, TM, 30, TM, 40], 8, 8, "entropy"),
    ([10, 20, TM, 30, TM, 40], 12, 4, "maskgit_plus"),
    ([5, TM, TM, TM, 9, 11, 13] + [TM] * 6 + [50, TM, 60, 61], 4, 5, "entropy"),
    ([7, 8, 9] + [TM] * 10 + [70, 71, 72, TM, 73], 3, 13, "topk_margin"),
    ([TM, TM, 100, 101, 102, TM], 16, 16, "maskgit_plus"),
]
for i, (input_ids, n, steps, alg) in enumerate(tiny_shapes):
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
        out = tiny_model.diffusion_generate(torch.tensor([input_ids]), max_new_tokens=n, steps=steps,
                                            alg=alg, temperature=0.0,
                                            return_dict_in_generate=False)
    final = out[0].tolist()
    assert TM not in final
    tiny_cases.append({"name": f"tiny-dream-infill/{i}/{alg}", "input_ids": input_ids,
                       "max_new_tokens": n, "steps": steps,
                       "strategy": {"maskgit_plus": "confidence", "topk_margin": "margin",
                                    "entropy": "entropy"}[alg],
                       "alg": alg, "final": final})
TINY_OUT = os.path.join(ROOT, "Tests", "Fixtures", "golden", "infill-dream.json")
with open(TINY_OUT + ".tmp", "w") as f:
    json.dump({"generator": "Fast-dLLM dream generation_utils.py diffusion_generate() "
               "(temperature 0, inherited top_k 50, eps 1e-3)",
               "fast_dllm_commit": COMMITS["FAST_DLLM_DIR"], "mask_id": TM, "cases": tiny_cases},
              f, indent=1)
os.replace(TINY_OUT + ".tmp", TINY_OUT)

with open(OUT + ".tmp", "w") as f:
    json.dump({"torch": torch.__version__, "references": COMMITS,
               "attention_toy": {k: v.tolist() for k, v in att.items()},
               "pc_background": bg.tolist(), "klass_skipped": skipped, "cases": cases}, f,
              separators=(",", ":"))
os.replace(OUT + ".tmp", OUT)
print(f"{len(cases)} cases written to {OUT}; KLASS runs skipped (masks left or tokens "
      f"overwritten): {skipped}")
