"""Load the public reference code (LLaDA, Fast-dLLM) at run time, without copying or editing it.

The reference repositories are found through environment variables:

    FAST_DLLM_DIR  a checkout of NVlabs/Fast-dLLM   (llada/model/, llada/generate.py, dream/model/)
    LLADA_DIR      a checkout of ML-GSAI/LLaDA      (generate.py)

at the commits in REFERENCE_COMMITS, which every golden file records (make one with
`git clone https://github.com/NVlabs/Fast-dLLM && git -C Fast-dLLM checkout 24cc59e7...`).
Dream's model and sampler come from Fast-dLLM's dream/ folder, not from HKUNLP/Dream.

Run-time patches (nothing on disk is edited):

* `einops` is imported at the top of Fast-dLLM's modeling_llada.py but only used by
  LLaDABlockDiffBlock, which none of our configs build. If einops is not installed a stub module
  is registered whose `rearrange` raises.
* Fast-dLLM's llada/generate.py does `from model.modeling_llada import LLaDAModelLM`; `model`
  is aliased to the Fast-dLLM llada package only while that file is executed.
* LLaDA's generate.py hard-codes LLaDA-8B's EOS (126081) and EoT (126348) ids in
  `logits_eos_inf` / `confidence_eos_eot_inf`. `load_llada_generate(eos_id, eot_id)` compiles the
  file's source with exactly those integer literals replaced by the fixture's ids (and checks that
  they occur exactly as often as expected, so an upstream change is noticed).
"""

import importlib
import importlib.util
import os
import sys
import types


# The exact commits the committed golden files were made (and re-made, 2026-11-27) with.
REFERENCE_COMMITS = {
    "NVlabs/Fast-dLLM": "24cc59e75f20a6384bae8c905965bb090b96388e",
    "ML-GSAI/LLaDA": "b7e6c3565f194352da44b38dd12b6970597309f3",
}
# FAST_DLLM_EXT_FILE (make_sampler_goldens.py only): src/generate.py of NEUIR/PC-Sampler, a
# Fast-dLLM/LLaDA-derived file that has get_transfer_index_dynamic and generate_with_eb_sampler.
FAST_DLLM_EXT_COMMIT = {"NEUIR/PC-Sampler": "8b106b09877b2f69085db1b7bd7c1cc1e935d5a5"}


def check_commit(var, path, repo, commits=REFERENCE_COMMITS):
    """Warns when `path` is a git checkout at another commit than the pinned one (a `git
    archive` export has no .git and is trusted)."""
    import subprocess

    try:
        head = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return
    if head != commits[repo]:
        print(f"warning: {var}={path} is at {head}, the goldens were made at {commits[repo]}",
              file=sys.stderr)


def _dir_from_env(var, must_exist):
    path = os.environ.get(var)
    if not path:
        sys.exit(
            f"error: {var} is not set. Point it at a checkout of the reference code, e.g.\n"
            "  FAST_DLLM_DIR=/tmp/ref/NVlabs+Fast-dLLM LLADA_DIR=/tmp/ref/ML-GSAI+LLaDA "
            "python3 notebooks/make_model_fixtures.py"
        )
    for rel in must_exist:
        if not os.path.exists(os.path.join(path, rel)):
            sys.exit(f"error: {var}={path} has no {rel}; is it the right checkout?")
    return os.path.abspath(path)


def fast_dllm_dir():
    path = _dir_from_env(
        "FAST_DLLM_DIR",
        ["llada/model/modeling_llada.py", "llada/generate.py", "dream/model/modeling_dream.py"],
    )
    check_commit("FAST_DLLM_DIR", path, "NVlabs/Fast-dLLM")
    return path


def llada_dir():
    path = _dir_from_env("LLADA_DIR", ["generate.py"])
    check_commit("LLADA_DIR", path, "ML-GSAI/LLaDA")
    return path


def _ensure_einops():
    try:
        import einops  # noqa: F401
    except ImportError:
        stub = types.ModuleType("einops")

        def rearrange(*args, **kwargs):
            raise NotImplementedError("einops stub: only LLaDABlockDiffBlock uses rearrange")

        stub.rearrange = rearrange
        sys.modules["einops"] = stub


def _load_package(name, directory):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(directory, "__init__.py"), submodule_search_locations=[directory]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _exec_source(name, path, source):
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def llada_modeling():
    """Fast-dLLM's llada/model package: returns (configuration_llada, modeling_llada)."""
    _ensure_einops()
    root = os.path.join(fast_dllm_dir(), "llada", "model")
    _load_package("fastdllm_llada_model", root)
    conf = importlib.import_module("fastdllm_llada_model.configuration_llada")
    modeling = importlib.import_module("fastdllm_llada_model.modeling_llada")
    return conf, modeling


def dream_modeling():
    """Fast-dLLM's dream/model package: returns (configuration_dream, modeling_dream, generation_utils)."""
    root = os.path.join(fast_dllm_dir(), "dream", "model")
    _load_package("fastdllm_dream_model", root)
    conf = importlib.import_module("fastdllm_dream_model.configuration_dream")
    modeling = importlib.import_module("fastdllm_dream_model.modeling_dream")
    gen = importlib.import_module("fastdllm_dream_model.generation_utils")
    return conf, modeling, gen


def fast_dllm_llada_generate():
    """Fast-dLLM's llada/generate.py (generate with threshold, prefix/dual cache variants)."""
    name = "fastdllm_llada_generate"
    if name in sys.modules:
        return sys.modules[name]
    _, modeling = llada_modeling()
    path = os.path.join(fast_dllm_dir(), "llada", "generate.py")
    saved = {k: sys.modules.get(k) for k in ("model", "model.modeling_llada")}
    sys.modules["model"] = sys.modules["fastdllm_llada_model"]
    sys.modules["model.modeling_llada"] = modeling
    try:
        with open(path, encoding="utf-8") as f:
            module = _exec_source(name, path, f.read())
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return module


LLADA_8B_EOS_ID = 126081
LLADA_8B_EOT_ID = 126348


def load_llada_generate(eos_id, eot_id):
    """LLaDA's current generate.py with its hard-coded EOS/EoT ids replaced by the fixture's."""
    name = f"llada_generate_eos{eos_id}_eot{eot_id}"
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(llada_dir(), "generate.py")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    for literal, expected in ((LLADA_8B_EOS_ID, 2), (LLADA_8B_EOT_ID, 1)):
        found = source.count(str(literal))
        if found != expected:
            sys.exit(
                f"error: {path} mentions {literal} {found} times, expected {expected}; "
                "the EOS/EoT patch in notebooks/refload.py needs updating"
            )
    source = source.replace(str(LLADA_8B_EOS_ID), str(int(eos_id)))
    source = source.replace(str(LLADA_8B_EOT_ID), str(int(eot_id)))
    return _exec_source(name, path, source)
