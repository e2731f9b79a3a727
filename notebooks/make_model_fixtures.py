#!/usr/bin/env python3
"""Make the tiny checkpoints and the golden values under Tests/Fixtures/.

    FAST_DLLM_DIR=/tmp/ref/NVlabs+Fast-dLLM LLADA_DIR=/tmp/ref/ML-GSAI+LLaDA \
        python3 notebooks/make_model_fixtures.py

Writes (see Tests/Fixtures/README.md for the formats):

    Tests/Fixtures/tiny-llada/       LLaDA-8B layout, f32, one model.safetensors
    Tests/Fixtures/tiny-llada-gqa/   LLaDA layout, GQA + qkv bias + tied embeddings, bf16, 2 shards
    Tests/Fixtures/tiny-dream/       Dream (Qwen2) layout, f32, one model.safetensors
    Tests/Fixtures/golden/           tokenizer encodings, logits (.npy + JSON index), generations (JSON)

Everything is seeded; re-running reproduces identical files (the script prints a SHA-256 per file).
The logits and generations come from the reference code itself (Fast-dLLM's modeling_llada.py /
modeling_dream.py / generation_utils.py / llada/generate.py and LLaDA's generate.py), imported at
run time by notebooks/refload.py, which also documents the run-time patches.

Reference commits (refload.REFERENCE_COMMITS, also written into every golden JSON as
"reference_commits"): NVlabs/Fast-dLLM 24cc59e75f20a6384bae8c905965bb090b96388e and
ML-GSAI/LLaDA b7e6c3565f194352da44b38dd12b6970597309f3. Re-run on 2026-11-27 with those
commits and torch 2.15.0 (CPU): checkpoints, tokenizers, token goldens and every generated token
came out identical; logits differed from the committed ones by at most 1.2e-5 (1e-6 of the
largest logit), which is float32 rounding of another CPU/BLAS, not the reference code.
"""

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import contextlib  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers  # noqa: E402
from tokenizers import pre_tokenizers, processors, trainers  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refload  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "Tests", "Fixtures")
GOLDEN = os.path.join(FIXTURES, "golden")

SEED = 20261123

# Pre-tokenizer regexes, as in Llama-3's and Qwen2's tokenizer.json.
LLAMA3_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# LLaDA-8B-Instruct's chat template (tokenizer_config.json), verbatim.
LLADA_CHAT_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
)

# Dream-v0-Instruct's template is Qwen2.5's ChatML template; this is its branch without tools.
DREAM_CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if not (message.role == 'system' and loop.first) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- endif %}"
)


# --------------------------------------------------------------------------------------------
# Corpus and tokenizers
# --------------------------------------------------------------------------------------------

PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "A masked diffusion model starts from a sequence of mask tokens and fills it in step by step.",
    "At every step the model predicts all masked positions at once, and the sampler keeps the most confident ones.",
    "It was a bright cold day in April, and the clocks were striking thirteen.",
    "She sells sea shells by the sea shore; the shells she sells are surely sea shells.",
    "In the beginning the river was small, but it grew as it ran toward the sea.",
    "Please remember to water the plants on Monday, Wednesday and Friday.",
    "The library opens at nine in the morning and closes at six in the evening.",
    "When the train arrived, everyone on the platform stepped back from the edge.",
    "He didn't know whether it'd rain, so he'd brought an umbrella; they'll see.",
    "Numbers like 3.14159, 2.71828 and 1.41421 appear again and again in mathematics.",
    "The meeting is on 2025-11-23 at 09:30 UTC in room 4B, floor 12.",
    "Lily can run 12 kilometers per hour for 4 hours. How many kilometers can she run in 8 hours?",
    "Joy can read 8 pages of a book in 20 minutes. How many hours will it take her to read 120 pages?",
    "What is the capital of France? The capital of France is Paris.",
    "Water boils at 100 degrees Celsius at sea level, and freezes at 0 degrees.",
    "Once upon a time there was a little robot who wanted to learn how to write poems.",
    "The results were clear: the new method was faster, simpler, and more accurate.",
    "Why do cats sleep so much? Nobody knows for sure, but they seem to enjoy it.",
    "Good morning! How are you today? I am fine, thank you, and you?",
]
CODE = [
    "def add(a, b):\n    return a + b\n",
    "for i in range(10):\n    print(i * i)\n",
    "if x > 0 and y < 0:\n    return None\nelse:\n    return [x, y]\n",
    "let total = values.reduce(0, +)\nprint(\"total: \\(total)\")\n",
    "func greet(name: String) -> String {\n    return \"Hello, \" + name + \"!\"\n}\n",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\n",
    "SELECT name, age FROM users WHERE age >= 18 ORDER BY name;\n",
    "{\"key\": \"value\", \"list\": [1, 2, 3], \"nested\": {\"ok\": true}}\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n",
]
UNICODE = [
    "Café au lait, naïve façade, Zürich, São Paulo, Ångström.",
    "Größe, Straße, Übermut; élan, déjà vu, crème brûlée.",
    "Ελληνικά: αβγδε, Русский: привет мир, العربية: مرحبا.",
    "日本語の文章です。中文的句子。한국어 문장입니다.",
    "Emoji: 🙂 🚀 ✨ — dashes – and “quotes” ‘too’ … ellipsis.",
    "Math: x² + y² = z², ∑ aᵢ, π ≈ 3.14, 10 × 3 ÷ 2 ≠ 16.",
]


def build_corpus(seed):
    """A few hundred lines of prose, code, numbers and Unicode; deterministic."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(6):
        lines += PROSE + CODE + UNICODE
    words = " ".join(PROSE).replace(".", "").replace(",", "").replace("?", "").split()
    for _ in range(200):
        n = int(rng.integers(4, 14))
        lines.append(" ".join(words[int(i)] for i in rng.integers(0, len(words), n)) + ".")
    for _ in range(120):
        a, b = (int(v) for v in rng.integers(0, 100000, 2))
        lines.append(f"{a} + {b} = {a + b}; {a} * 3 = {a * 3}; {a / 7:.4f}")
    return lines


def train_bpe(lines, bpe_size, split_regex, ignore_merges, nfc):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges, byte_fallback=False))
    if nfc:
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(split_regex), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(
        vocab_size=bpe_size,
        min_frequency=2,
        show_progress=False,
        special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(lines, trainer=trainer)
    assert tok.get_vocab_size() == bpe_size, (tok.get_vocab_size(), bpe_size)
    return tok


def add_specials(tok, names):
    tok.add_special_tokens(
        [AddedToken(n, single_word=False, lstrip=False, rstrip=False, normalized=False, special=True) for n in names]
    )
    return {n: tok.token_to_id(n) for n in names}


def added_tokens_decoder(tok, ids):
    return {
        str(i): {
            "content": tok.id_to_token(i),
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for i in sorted(ids)
    }


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def make_llada_tokenizer(lines, total=448, bpe=400):
    """Llama-3 style byte-level BPE with LLaDA's special tokens after the BPE vocabulary.

    Like LLaDA-8B, special tokens follow the BPE ids (<|startoftext|>, <|endoftext|>, reserved tokens,
    <|mdm_mask|>, <|start_header_id|>, <|end_header_id|>, <|eot_id|>); reserved tokens pad the total
    (448 = 7 * 64 for the fixtures), which is also the model's vocab_size and embedding_size.
    """
    tok = train_bpe(lines, bpe, LLAMA3_REGEX, ignore_merges=True, nfc=False)
    head = ["<|startoftext|>", "<|endoftext|>"]
    tail = ["<|mdm_mask|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    reserved = [f"<|reserved_token_{i}|>" for i in range(total - bpe - len(head) - len(tail))]
    ids = add_specials(tok, head + reserved + tail)
    assert tok.get_vocab_size() == total
    return tok, ids, total


def make_dream_tokenizer(lines):
    """Qwen2 style byte-level BPE (NFC, digits one by one) with Dream's special tokens.

    As in Dream-7B, the model's vocab_size (448) is larger than the tokenizer (443 tokens); ids
    443..447 have embeddings but no token.
    """
    bpe = 438
    tok = train_bpe(lines, bpe, QWEN2_REGEX, ignore_merges=False, nfc=True)
    ids = add_specials(tok, ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|beginoftext|>", "<|mask|>"])
    return tok, ids, 448


def save_llada_tokenizer(folder, tok, ids):
    tok.save(os.path.join(folder, "tokenizer.json"))
    write_json(
        os.path.join(folder, "tokenizer_config.json"),
        {
            "add_bos_token": False,
            "add_eos_token": False,
            "added_tokens_decoder": added_tokens_decoder(tok, ids.values()),
            "bos_token": "<|startoftext|>",
            "chat_template": LLADA_CHAT_TEMPLATE,
            "clean_up_tokenization_spaces": False,
            "eos_token": "<|endoftext|>",
            "model_input_names": ["input_ids", "attention_mask"],
            "model_max_length": 4096,
            "pad_token": "<|endoftext|>",
            "tokenizer_class": "PreTrainedTokenizerFast",
        },
    )
    write_json(
        os.path.join(folder, "special_tokens_map.json"),
        {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"},
    )


def save_dream_tokenizer(folder, tok, ids):
    tok.save(os.path.join(folder, "tokenizer.json"))
    write_json(
        os.path.join(folder, "tokenizer_config.json"),
        {
            "add_prefix_space": False,
            "added_tokens_decoder": added_tokens_decoder(tok, ids.values()),
            "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
            "bos_token": "<|beginoftext|>",
            "chat_template": DREAM_CHAT_TEMPLATE,
            "clean_up_tokenization_spaces": False,
            "eos_token": "<|endoftext|>",
            "errors": "replace",
            "mask_token": "<|mask|>",
            "model_max_length": 4096,
            "pad_token": "<|endoftext|>",
            "split_special_tokens": False,
            "tokenizer_class": "PreTrainedTokenizerFast",
            "unk_token": None,
        },
    )
    write_json(
        os.path.join(folder, "special_tokens_map.json"),
        {
            "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
            "bos_token": "<|beginoftext|>",
            "eos_token": "<|endoftext|>",
            "mask_token": "<|mask|>",
            "pad_token": "<|endoftext|>",
        },
    )


# --------------------------------------------------------------------------------------------
# Configs and weights
# --------------------------------------------------------------------------------------------


def llada_config(vocab, ids, gqa):
    """Field for field LLaDA-8B-Instruct's config.json, with the sizes made tiny."""
    cfg = {
        "activation_type": "silu",
        "alibi": False,
        "alibi_bias_max": 8.0,
        "architectures": ["LLaDAModelLM"],
        "attention_dropout": 0.0,
        "attention_layer_norm": False,
        "attention_layer_norm_with_affine": True,
        "auto_map": {
            "AutoConfig": "configuration_llada.LLaDAConfig",
            "AutoModelForCausalLM": "modeling_llada.LLaDAModelLM",
            "AutoModel": "modeling_llada.LLaDAModelLM",
        },
        "bias_for_layer_norm": False,
        "block_group_size": 1,
        "block_type": "llama",
        "d_model": 64,
        "embedding_dropout": 0.0,
        "embedding_size": vocab,
        "eos_token_id": ids["<|endoftext|>"],
        "flash_attention": False,
        "include_bias": False,
        "include_qkv_bias": bool(gqa),
        "init_cutoff_factor": None,
        "init_device": "meta",
        "init_fn": "mitchell",
        "init_std": 0.02,
        "input_emb_norm": False,
        "layer_norm_type": "rms",
        "layer_norm_with_affine": True,
        "mask_token_id": ids["<|mdm_mask|>"],
        "max_sequence_length": 4096,
        "mlp_hidden_size": 128,
        "mlp_ratio": 4,
        "model_type": "llada",
        "multi_query_attention": None,
        "n_heads": 4,
        "n_kv_heads": 2 if gqa else 4,
        "n_layers": 2,
        "pad_token_id": ids["<|endoftext|>"],
        "precision": "amp_bf16",
        "residual_dropout": 0.0,
        "rms_norm_eps": 1e-05,
        "rope": True,
        "rope_full_precision": True,
        "rope_theta": 500000.0,
        "scale_logits": False,
        "transformers_version": "4.46.3",
        "use_cache": False,
        "vocab_size": vocab,
        "weight_tying": bool(gqa),
    }
    return cfg


def dream_config(vocab, ids):
    """Field for field Dream-v0-Instruct-7B's config.json, with the sizes made tiny."""
    return {
        "architectures": ["DreamModel"],
        "attention_dropout": 0.0,
        "auto_map": {
            "AutoConfig": "configuration_dream.DreamConfig",
            "AutoModel": "modeling_dream.DreamModel",
        },
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|endoftext|>"],
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 128,
        "mask_token_id": ids["<|mask|>"],
        "max_position_embeddings": 4096,
        "max_window_layers": 2,
        "model_type": "Dream",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pad_token_id": ids["<|endoftext|>"],
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "transformers_version": "4.46.2",
        "use_cache": False,
        "use_sliding_window": False,
        "vocab_size": vocab,
    }


def dream_generation_config(ids):
    """As Dream-v0-Instruct-7B's generation_config.json (ids replaced)."""
    return {
        "_from_model_config": True,
        "alg": "origin",
        "alg_temp": None,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|endoftext|>"],
        "eps": 0.001,
        "mask_token_id": None,
        "output_history": False,
        "pad_token_id": ids["<|endoftext|>"],
        "steps": 512,
        "temperature": 0.0,
        "top_k": None,
        "top_p": None,
        "transformers_version": "4.46.2",
    }


class Init:
    """Seeded float32 normal init. Stds are large on purpose so logits are far from uniform."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, shape, std):
        return torch.randn(*shape, generator=self.g, dtype=torch.float32) * std

    def norm_weight(self, n):
        return 1.0 + self.normal((n,), 0.2)


def shrink_and_boost(head, special_ids, shrink_ids, boost):
    """Make the mask token's output row small (a model never predicts [MASK]) and scale the EOS/EoT
    rows up (so that they are proposed now and then and the EOS controls change something)."""
    for i in shrink_ids:
        head[i] *= 0.05
    for i, factor in boost.items():
        head[i] *= factor
    return head


def llada_weights(cfg, ids, seed):
    init = Init(seed)
    d, v, h, layers = cfg["d_model"], cfg["embedding_size"], cfg["mlp_hidden_size"], cfg["n_layers"]
    hd = d // cfg["n_heads"]
    kv = cfg["n_kv_heads"] * hd
    p = "model.transformer."
    w = {p + "wte.weight": init.normal((v, d), 1.0)}
    for i in range(layers):
        b = f"{p}blocks.{i}."
        w[b + "attn_norm.weight"] = init.norm_weight(d)
        w[b + "q_proj.weight"] = init.normal((d, d), 0.25)
        w[b + "k_proj.weight"] = init.normal((kv, d), 0.25)
        w[b + "v_proj.weight"] = init.normal((kv, d), 0.25)
        if cfg["include_qkv_bias"]:
            w[b + "q_proj.bias"] = init.normal((d,), 0.3)
            w[b + "k_proj.bias"] = init.normal((kv,), 0.3)
            w[b + "v_proj.bias"] = init.normal((kv,), 0.3)
        w[b + "attn_out.weight"] = init.normal((d, d), 0.2)
        w[b + "ff_norm.weight"] = init.norm_weight(d)
        w[b + "ff_proj.weight"] = init.normal((h, d), 0.25)
        w[b + "up_proj.weight"] = init.normal((h, d), 0.25)
        w[b + "ff_out.weight"] = init.normal((d, h), 0.15)
    w[p + "ln_f.weight"] = init.norm_weight(d)
    eos, eot, mask = ids["<|endoftext|>"], ids["<|eot_id|>"], ids["<|mdm_mask|>"]
    if cfg["weight_tying"]:
        # The embedding doubles as the output head: scale its rows like an output head would be.
        w[p + "wte.weight"] = shrink_and_boost(w[p + "wte.weight"] * 0.35, ids, [mask], {eos: 1.6, eot: 1.6})
    else:
        w[p + "ff_out.weight"] = shrink_and_boost(init.normal((v, d), 0.35), ids, [mask], {eos: 2.2, eot: 1.6})
    return w


def dream_weights(cfg, ids, seed):
    init = Init(seed)
    d, v, h = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    hd = d // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    w = {"model.embed_tokens.weight": init.normal((v, d), 1.0)}
    for i in range(cfg["num_hidden_layers"]):
        b = f"model.layers.{i}."
        w[b + "input_layernorm.weight"] = init.norm_weight(d)
        w[b + "self_attn.q_proj.weight"] = init.normal((d, d), 0.25)
        w[b + "self_attn.q_proj.bias"] = init.normal((d,), 0.3)
        w[b + "self_attn.k_proj.weight"] = init.normal((kv, d), 0.25)
        w[b + "self_attn.k_proj.bias"] = init.normal((kv,), 0.3)
        w[b + "self_attn.v_proj.weight"] = init.normal((kv, d), 0.25)
        w[b + "self_attn.v_proj.bias"] = init.normal((kv,), 0.3)
        w[b + "self_attn.o_proj.weight"] = init.normal((d, d), 0.2)
        w[b + "post_attention_layernorm.weight"] = init.norm_weight(d)
        w[b + "mlp.gate_proj.weight"] = init.normal((h, d), 0.25)
        w[b + "mlp.up_proj.weight"] = init.normal((h, d), 0.25)
        w[b + "mlp.down_proj.weight"] = init.normal((d, h), 0.15)
    w["model.norm.weight"] = init.norm_weight(d)
    eos, mask = ids["<|endoftext|>"], ids["<|mask|>"]
    w["lm_head.weight"] = shrink_and_boost(init.normal((v, d), 0.35), ids, [mask], {eos: 1.6, ids["<|im_end|>"]: 1.6})
    return w


def save_single(folder, weights):
    save_file({k: v.contiguous() for k, v in sorted(weights.items())}, os.path.join(folder, "model.safetensors"),
              metadata={"format": "pt"})


def save_sharded(folder, weights, n_shards):
    """Hugging Face sharded format: model-0000i-of-0000n.safetensors + model.safetensors.index.json."""
    names = sorted(weights)
    total = sum(weights[k].numel() * weights[k].element_size() for k in names)
    # Split by bytes, keeping the key order (the embedding and first block land in shard 1).
    shards, current, size = [], [], 0
    for k in names:
        current.append(k)
        size += weights[k].numel() * weights[k].element_size()
        if size >= total / n_shards and len(shards) < n_shards - 1:
            shards.append(current)
            current, size = [], 0
    shards.append(current)
    assert len(shards) == n_shards
    weight_map = {}
    for i, keys in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors"
        save_file({k: weights[k].contiguous() for k in keys}, os.path.join(folder, fname), metadata={"format": "pt"})
        for k in keys:
            weight_map[k] = fname
    write_json(
        os.path.join(folder, "model.safetensors.index.json"),
        {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))},
    )


def load_folder_weights(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    out = {}
    for fname in files:
        out.update(load_file(os.path.join(folder, fname)))
    return out


# --------------------------------------------------------------------------------------------
# Reference models
# --------------------------------------------------------------------------------------------


def reference_llada(folder):
    """Fast-dLLM's LLaDAModelLM built from the folder's config.json, weights loaded strictly, f32, eval."""
    conf, modeling = refload.llada_modeling()
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    model = modeling.LLaDAModelLM(conf.LLaDAConfig(**cfg), init_params=False)
    sd = {k: v.to(torch.float32) for k, v in load_folder_weights(folder).items()}
    missing, unexpected = model.load_state_dict(sd, strict=True)
    assert not missing and not unexpected
    return model.to(torch.float32).eval()


def reference_dream(folder):
    conf, modeling, _ = refload.dream_modeling()
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    config = conf.DreamConfig(**cfg)
    torch.manual_seed(0)  # post_init draws random weights that are then overwritten
    model = modeling.DreamModel(config)
    sd = {k: v.to(torch.float32) for k, v in load_folder_weights(folder).items()}
    model.load_state_dict(sd, strict=True)
    # DreamPreTrainedModel.from_pretrained would read generation_config.json into a
    # DreamGenerationConfig; diffusion_generate() ignores it anyway (see golden README).
    return model.to(torch.float32).eval()


# --------------------------------------------------------------------------------------------
# Observing the reference generation loops
# --------------------------------------------------------------------------------------------


class Observer:
    """Watches a reference generation loop without changing it.

    * a forward pre-hook on the model records the canvas (row 0) seen by every forward pass;
    * the generator module's global `torch` is swapped for a proxy whose `topk` and `argmax` call
      the real ones and also note the score gaps (committed vs best uncommitted candidate, and
      top-1 vs top-2 logit at the committed positions).
    """

    def __init__(self, model, mask_id):
        self.model, self.mask_id = model, mask_id
        self.canvases, self.batch_sizes = [], []
        self.commit_gaps, self.token_gaps, self.threshold_margins = [], [], []
        self.threshold = None
        self.last_argmax_gap = None  # [L] for positions of the canvas (LLaDA) or masked rows (Dream)
        self.masked_rows = None

    def __enter__(self):
        def hook(module, args, kwargs):
            x = args[0] if args else kwargs["input_ids"]
            self.canvases.append(x[0].tolist())
            self.batch_sizes.append(int(x.shape[0]))

        self.handle = self.model.register_forward_pre_hook(hook, with_kwargs=True)
        return self

    def __exit__(self, *exc):
        self.handle.remove()

    @staticmethod
    def top2_gap(logits):
        t = torch.topk(logits.to(torch.float64), 2, dim=-1).values
        return (t[..., 0] - t[..., 1]).cpu().numpy()

    def note_argmax(self, logits):
        self.last_argmax_gap = self.top2_gap(logits[0] if logits.dim() == 3 else logits)

    def note_topk(self, scores, k, selected):
        s = scores.reshape(-1).to(torch.float64).cpu().numpy()
        sel = selected.reshape(-1).cpu().numpy().tolist()
        k = int(k)
        finite = np.sort(s[np.isfinite(s)])[::-1]
        committed = sel
        if self.threshold is not None:
            committed = sel[:1] + [j for j in sel[1:] if np.isfinite(s[j]) and s[j] >= self.threshold]
            margins = [abs(s[j] - self.threshold) for j in sel[1:] if np.isfinite(s[j])]
            if margins:
                self.threshold_margins.append(min(margins))
        elif 0 < k < len(finite):
            self.commit_gaps.append(float(finite[k - 1] - finite[k]))
        if self.last_argmax_gap is not None:
            for j in committed:
                if not np.isfinite(s[j]):
                    continue
                row = j if self.masked_rows is None else self.masked_rows.get(j)
                if row is not None:
                    self.token_gaps.append(float(self.last_argmax_gap[row]))

    def summary(self):
        def mn(v):
            return None if not v else float(min(v))

        return {
            "min_commit_gap": mn(self.commit_gaps),
            "min_argmax_logit_gap": mn(self.token_gaps),
            "min_threshold_margin": mn(self.threshold_margins),
            "commit_gap_count_below_1e-4": int(sum(g < 1e-4 for g in self.commit_gaps)),
            "commit_gap_count": len(self.commit_gaps),
        }


class TorchProxy:
    def __init__(self, observer):
        self._obs = observer

    def __getattr__(self, name):
        return getattr(torch, name)

    def topk(self, input, k, *args, **kwargs):
        out = torch.topk(input, k, *args, **kwargs)
        self._obs.note_topk(input, k, out[1])
        return out

    def argmax(self, input, *args, **kwargs):
        self._obs.note_argmax(input)
        return torch.argmax(input, *args, **kwargs)


@contextlib.contextmanager
def observed(module, observer):
    saved = module.torch
    module.torch = TorchProxy(observer)
    try:
        yield
    finally:
        module.torch = saved


def commit_steps(canvases, final, start, mask_id):
    """For each generated position, the index of the forward pass after which it was unmasked."""
    seq = canvases + [final]
    out = []
    for p in range(start, len(final)):
        step = -1
        for i in range(len(canvases)):
            if seq[i][p] == mask_id and seq[i + 1][p] != mask_id:
                step = i
                break
        out.append(step)
    return out


# --------------------------------------------------------------------------------------------
# Golden files
# --------------------------------------------------------------------------------------------


def tokenizer_golden(name, folder, samples, messages_list):
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(folder)
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    enc = []
    for text in samples:
        ids = tok.encode(text).ids
        assert ids == hf(text, add_special_tokens=False)["input_ids"], text
        enc.append({"text": text, "ids": ids, "tokens": [tok.id_to_token(i) for i in ids],
                    "decoded": tok.decode(ids, skip_special_tokens=False)})
    chats = []
    for messages in messages_list:
        text = hf.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        ids = hf(text, add_special_tokens=False)["input_ids"]
        chats.append({"messages": messages, "add_generation_prompt": True, "text": text, "ids": ids})
    write_json(os.path.join(GOLDEN, f"tokenizer-{name}.json"),
               {"fixture": os.path.basename(folder), "encode": enc, "chat_template": chats})
    return hf


def chat_ids(hf, messages):
    text = hf.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return text, hf(text, add_special_tokens=False)["input_ids"]


def logits_golden(name, model, sequences, dream):
    """Writes golden/logits-<name>-<seq>.npy ([T, V] float32) and golden/logits-<name>.json."""
    entries = []
    for seq_name, ids in sequences:
        with torch.no_grad():
            raw = model(torch.tensor([ids], dtype=torch.long)).logits[0].to(torch.float32)
        entry = {"name": seq_name, "input_ids": ids, "shape": list(raw.shape)}
        if dream:
            shifted = torch.cat([raw[:1], raw[:-1]], dim=0)
            f_raw = f"logits-{name}-{seq_name}-raw.npy"
            f_shift = f"logits-{name}-{seq_name}-shifted.npy"
            np.save(os.path.join(GOLDEN, f_raw), raw.numpy().astype(np.float32))
            np.save(os.path.join(GOLDEN, f_shift), shifted.numpy().astype(np.float32))
            entry["raw_file"], entry["shifted_file"] = f_raw, f_shift
        else:
            fname = f"logits-{name}-{seq_name}.npy"
            np.save(os.path.join(GOLDEN, fname), raw.numpy().astype(np.float32))
            entry["file"] = fname
        top2 = Observer.top2_gap(raw)
        entry["min_top2_logit_gap"] = float(top2.min())
        entry["logit_std"] = float(raw.std())
        entries.append(entry)
    return entries


def run_llada_case(model, gen_module, case, prompt_ids, mask_id, kind):
    obs = Observer(model, mask_id)
    prompt = torch.tensor([prompt_ids], dtype=torch.long)
    s = case["settings"]
    with obs, observed(gen_module, obs), torch.no_grad():
        if kind == "llada":
            # All-ones attention_mask: LLaDA's generate() raises UnboundLocalError (attention_mask_)
            # when cfg_scale > 0 and attention_mask is None. All ones changes nothing in the model.
            out = gen_module.generate(model, prompt, torch.ones_like(prompt), steps=s["steps"], gen_length=s["gen_length"],
                                      block_length=s["block_length"], temperature=0.0, cfg_scale=s["cfg_scale"],
                                      remasking="low_confidence", mask_id=mask_id,
                                      logits_eos_inf=s["logits_eos_inf"],
                                      confidence_eos_eot_inf=s["confidence_eos_eot_inf"])
            nfe_returned = None
        else:
            obs.threshold = s.get("threshold")
            out, nfe_returned = gen_module.generate(model, prompt, steps=s["steps"], gen_length=s["gen_length"],
                                                    block_length=s["block_length"], temperature=0.0,
                                                    remasking="low_confidence", mask_id=mask_id,
                                                    threshold=s.get("threshold"))
    final = out[0].tolist()
    assert len(obs.canvases) == (nfe_returned if nfe_returned is not None else len(obs.canvases))
    gen = final[len(prompt_ids):]
    assert mask_id not in gen, f"{case['name']}: a mask token survived or was proposed"
    res = dict(case)
    res["prompt_ids"] = prompt_ids
    res["output_ids"] = gen
    res["nfe"] = len(obs.canvases)
    res["forward_batch_size"] = obs.batch_sizes[0]
    res["commit_step"] = commit_steps(obs.canvases, final, len(prompt_ids), mask_id)
    res.update(obs.summary())
    return res


def run_dream_case(model, gen_module, case, prompt_ids, mask_id):
    obs = Observer(model, mask_id)
    s = dict(case["settings"])
    captured = {}
    orig_sample, orig_sample_tokens = model._sample, gen_module.sample_tokens

    def sample_wrapper(*args, **kwargs):
        gc = kwargs["generation_config"]
        captured.update({k: getattr(gc, k) for k in ("temperature", "top_k", "top_p", "alg", "alg_temp", "steps",
                                                      "eps", "max_length", "mask_token_id")})
        return orig_sample(*args, **kwargs)

    def sample_tokens_wrapper(logits, *args, **kwargs):
        canvas = obs.canvases[-1]
        masked = [p for p, t in enumerate(canvas) if t == mask_id]
        obs.masked_rows = {p: r for r, p in enumerate(masked)}
        obs.note_argmax(logits)
        return orig_sample_tokens(logits, *args, **kwargs)

    threshold = s.pop("threshold", None)
    kwargs = {k: v for k, v in s.items() if k != "inherit"}
    if threshold is not None:
        kwargs["threshold"] = threshold
        obs.threshold = threshold
    model._sample = sample_wrapper
    gen_module.sample_tokens = sample_tokens_wrapper
    try:
        with obs, observed(gen_module, obs), torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            out = model.diffusion_generate(torch.tensor([prompt_ids], dtype=torch.long), **kwargs)
    finally:
        del model._sample
        gen_module.sample_tokens = orig_sample_tokens
    final = out[0].tolist()
    gen = final[len(prompt_ids):]
    assert mask_id not in gen, f"{case['name']}: a mask token survived or was proposed"
    res = dict(case)
    res["effective_generation_config"] = captured
    res["prompt_ids"] = prompt_ids
    res["output_ids"] = gen
    res["nfe"] = len(obs.canvases)
    res["forward_batch_size"] = obs.batch_sizes[0]
    res["commit_step"] = commit_steps(obs.canvases, final, len(prompt_ids), mask_id)
    res.update(obs.summary())
    return res


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

PLAIN_PROMPT = "The quick brown fox"
CHAT_MESSAGES = [{"role": "user", "content": "What is 12 times 4?"}]
TOKENIZER_SAMPLES = [
    "Hello world",
    " Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "It's 2025-11-23; they'll pay 1234567 dollars.",
    "def add(a, b):\n    return a + b\n",
    "Café naïve Zürich — “quotes” 🙂 日本語",
    "  leading and trailing spaces  ",
    "line one\n\nline two\r\n",
    "x² + y² ≠ z²",
    "unseen words: quizzically xylophone zephyr",
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def main():
    refload.fast_dllm_dir()
    refload.llada_dir()
    lines = build_corpus(SEED)

    # ---- tokenizers and checkpoints ------------------------------------------------------
    llada_tok, llada_ids, llada_vocab = make_llada_tokenizer(lines)
    dream_tok, dream_ids, dream_vocab = make_dream_tokenizer(lines)

    folders = {
        "llada": os.path.join(FIXTURES, "tiny-llada"),
        "llada-gqa": os.path.join(FIXTURES, "tiny-llada-gqa"),
        "dream": os.path.join(FIXTURES, "tiny-dream"),
    }
    for f in folders.values():
        fresh_dir(f)
    fresh_dir(GOLDEN)

    cfg = llada_config(llada_vocab, llada_ids, gqa=False)
    write_json(os.path.join(folders["llada"], "config.json"), cfg)
    save_single(folders["llada"], llada_weights(cfg, llada_ids, SEED + 1))
    save_llada_tokenizer(folders["llada"], llada_tok, llada_ids)

    cfg = llada_config(llada_vocab, llada_ids, gqa=True)
    write_json(os.path.join(folders["llada-gqa"], "config.json"), cfg)
    w = {k: v.to(torch.bfloat16) for k, v in llada_weights(cfg, llada_ids, SEED + 2).items()}
    save_sharded(folders["llada-gqa"], w, 2)
    save_llada_tokenizer(folders["llada-gqa"], llada_tok, llada_ids)

    cfg = dream_config(dream_vocab, dream_ids)
    write_json(os.path.join(folders["dream"], "config.json"), cfg)
    write_json(os.path.join(folders["dream"], "generation_config.json"), dream_generation_config(dream_ids))
    save_single(folders["dream"], dream_weights(cfg, dream_ids, SEED + 3))
    save_dream_tokenizer(folders["dream"], dream_tok, dream_ids)

    # ---- tokenizer goldens -------------------------------------------------------------------
    messages_list = [CHAT_MESSAGES, [{"role": "system", "content": "Be brief."},
                                     {"role": "user", "content": "  Name a color.  "}]]
    hf_llada = tokenizer_golden("llada", folders["llada"], TOKENIZER_SAMPLES, messages_list)
    hf_dream = tokenizer_golden("dream", folders["dream"], TOKENIZER_SAMPLES, messages_list)

    # ---- logits ------------------------------------------------------------------------------
    index = {}
    for name in ("llada", "llada-gqa", "dream"):
        folder = folders[name]
        dream = name == "dream"
        model = reference_dream(folder) if dream else reference_llada(folder)
        hf, ids, vocab = (hf_dream, dream_ids, dream_vocab) if dream else (hf_llada, llada_ids, llada_vocab)
        mask = ids["<|mask|>"] if dream else ids["<|mdm_mask|>"]
        eos = ids["<|endoftext|>"]
        plain = hf(PLAIN_PROMPT, add_special_tokens=False)["input_ids"]
        _, chat = chat_ids(hf, CHAT_MESSAGES)
        rng = np.random.default_rng(SEED + 10)
        rand = [int(t) for t in rng.integers(0, vocab, 24)]
        rand[0], rand[5], rand[11], rand[17], rand[23] = 0, vocab - 1, mask, eos, vocab - 1
        short = (plain + [mask] * 7)[:7]
        short[-1] = vocab - 1
        canvas = chat + [mask] * max(8, 40 - len(chat))  # 40 for LLaDA; Dream's system prompt is longer
        seqs = [("len1-mask", [mask]), ("len7-prompt-masks-maxid", short), ("len24-random", rand),
                (f"len{len(canvas)}-chat-canvas", canvas)]
        entries = logits_golden(name, model, seqs, dream)
        index[name] = entries
        info = {
            "fixture": os.path.basename(folder),
            "reference_commits": refload.REFERENCE_COMMITS,
            "reference": "Fast-dLLM dream/model/modeling_dream.py DreamModel" if dream
            else "Fast-dLLM llada/model/modeling_llada.py LLaDAModelLM",
            "dtype": "float32",
            "computed_in": "float32, model.eval(), torch.no_grad(), batch 1, no attention mask",
            "weights": "bf16 from the checkpoint, upcast exactly to float32" if name == "llada-gqa"
            else "float32 from the checkpoint",
            "sequences": entries,
        }
        if dream:
            info["shift"] = ("*-raw.npy: row i is the model's output at position i. *-shifted.npy: what "
                             "diffusion_generate() reads for position i: row 0 = raw row 0, row i = raw row i-1.")
        write_json(os.path.join(GOLDEN, f"logits-{name}.json"), info)
        print(f"logits {name}: " + ", ".join(f"{e['name']} std {e['logit_std']:.2f} "
                                             f"min top2 gap {e['min_top2_logit_gap']:.2e}" for e in entries))

    # ---- generations -------------------------------------------------------------------------
    for name in ("llada", "llada-gqa"):
        generations_llada(name, folders[name], hf_llada, llada_ids)
    generations_dream(folders["dream"], hf_dream, dream_ids)

    # ---- report --------------------------------------------------------------------------------
    print("\nfiles:")
    for root in list(folders.values()) + [GOLDEN]:
        for fname in sorted(os.listdir(root)):
            path = os.path.join(root, fname)
            print(f"  {sha256(path)[:16]}  {os.path.getsize(path):8d}  {os.path.relpath(path, REPO)}")


def prompt_variants(hf):
    plain = hf(PLAIN_PROMPT, add_special_tokens=False)["input_ids"]
    chat_text, chat = chat_ids(hf, CHAT_MESSAGES)
    return {
        "plain": ({"text": PLAIN_PROMPT, "chat_template": False}, plain),
        "chat": ({"messages": CHAT_MESSAGES, "chat_template": True, "add_generation_prompt": True,
                  "text": chat_text}, chat),
    }


def generations_llada(name, folder, hf, ids):
    model = reference_llada(folder)
    mask, eos, eot = ids["<|mdm_mask|>"], ids["<|endoftext|>"], ids["<|eot_id|>"]
    llada_gen = refload.load_llada_generate(eos, eot)
    fast_gen = refload.fast_dllm_llada_generate()
    prompts = prompt_variants(hf)

    def c(case_name, prompt, gen_length, steps, block_length, cfg_scale=0.0, eos_inf=False, conf_inf=False):
        return case_name, prompt, {"gen_length": gen_length, "steps": steps, "block_length": block_length,
                                   "temperature": 0.0, "remasking": "low_confidence", "cfg_scale": cfg_scale,
                                   "logits_eos_inf": eos_inf, "confidence_eos_eot_inf": conf_inf}

    llada_cases = [
        c("steps-eq-length", "plain", 16, 16, 16),
        c("steps-lt-length", "plain", 32, 8, 32),
        c("remainder-schedule", "plain", 20, 6, 20),
        c("multi-block", "chat", 32, 16, 8),
        c("steps-gt-block", "chat", 16, 32, 8),
        c("cfg-1.5", "chat", 16, 8, 8, cfg_scale=1.5),
        c("cfg-1.5-plain", "plain", 24, 12, 24, cfg_scale=1.5),
        c("logits-eos-inf", "chat", 32, 16, 16, eos_inf=True),
        c("confidence-eos-eot-inf", "chat", 32, 16, 16, conf_inf=True),
        c("both-eos-controls", "chat", 32, 16, 16, eos_inf=True, conf_inf=True),
        c("no-eos-controls", "chat", 32, 16, 16),
    ]
    if name == "llada-gqa":
        llada_cases = [llada_cases[i] for i in (1, 3, 5, 9)]
    results = []
    for case_name, pk, settings in llada_cases:
        meta, pids = prompts[pk]
        case = {"name": case_name, "generator": "LLaDA generate.py generate()", "prompt": meta,
                "settings": dict(settings, mask_id=mask, eos_id=eos, eot_id=eot, attention_mask="all ones"),
                "confidence_dtype": "float32 (softmax of the float32 logits, LLaDA after 2025-06)"}
        results.append(run_llada_case(model, llada_gen, case, pids, mask, "llada"))

    def f(case_name, prompt, gen_length, steps, block_length, threshold=None):
        return case_name, prompt, {"gen_length": gen_length, "steps": steps, "block_length": block_length,
                                   "temperature": 0.0, "remasking": "low_confidence", "threshold": threshold}

    fast_cases = [
        f("fast-plain-steps-eq-length", "plain", 16, 16, 16),
        f("fast-plain-multi-block", "chat", 32, 16, 8),
        f("fast-plain-steps-gt-block", "chat", 16, 32, 8),
        f("fast-threshold-0.9", "chat", 32, 32, 8, threshold=0.9),
        f("fast-threshold-0.5", "chat", 32, 32, 8, threshold=0.5),
        f("fast-threshold-0.5-one-block", "plain", 24, 24, 24, threshold=0.5),
    ]
    if name == "llada-gqa":
        fast_cases = [fast_cases[i] for i in (1, 4)]
    for case_name, pk, settings in fast_cases:
        meta, pids = prompts[pk]
        case = {"name": case_name, "generator": "Fast-dLLM llada/generate.py generate()", "prompt": meta,
                "settings": dict(settings, mask_id=mask),
                "confidence_dtype": "float64 (softmax of logits.to(float64))"}
        results.append(run_llada_case(model, fast_gen, case, pids, mask, "fast"))

    for r in results:
        print(f"{name} {r['name']}: nfe {r['nfe']} gaps commit {r['min_commit_gap']} "
              f"token {r['min_argmax_logit_gap']} thr {r['min_threshold_margin']} "
              f"eos {r['output_ids'].count(eos)} eot {r['output_ids'].count(eot)}")
    write_json(os.path.join(GOLDEN, f"generate-{name}.json"), {
        "fixture": os.path.basename(folder),
        "reference_commits": refload.REFERENCE_COMMITS,
        "model_dtype": "float32" + (" (bf16 checkpoint upcast)" if name == "llada-gqa" else ""),
        "special_ids": {"mask": mask, "eos": eos, "eot": eot},
        "notes": LLADA_NOTES,
        "cases": results,
    })


LLADA_NOTES = [
    "output_ids is the generated part only (positions len(prompt_ids) ..< len(prompt_ids) + gen_length).",
    "nfe counts forward calls; with cfg_scale > 0 each call runs a batch of 2 (forward_batch_size).",
    "commit_step[p] is the 0-based forward pass after which generated position p was unmasked.",
    "LLaDA generate.py hard-codes LLaDA-8B's EOS 126081 and EoT 126348; the script patched those "
    "literals at run time to the fixture's eos_id / eot_id.",
    "confidence_eos_eot_inf as written in LLaDA's generate.py: `logits_with_noise[:, :, EOS] = logits[:, :, EoT] = -inf` runs after the argmax. At temperature 0 add_gumbel_noise returns `logits` itself, so both assignments land in `logits` and EOS and EoT both get probability 0 in the confidence softmax (a position that proposed either gets confidence 0, not -inf). At temperature > 0 the EOS assignment lands in the noisy copy, which is no longer read (LLaDA issue 137). These goldens are all temperature 0. The goldens record what the reference does.",
    "min_commit_gap: smallest (k-th committed score - best uncommitted candidate score) over all steps "
    "(top-k steps only). min_argmax_logit_gap: smallest top-1 minus top-2 logit at committed positions. "
    "min_threshold_margin: smallest |confidence - threshold| among candidates after the first (threshold "
    "mode only).",
]


def generations_dream(folder, hf, ids):
    _, _, gen_module = refload.dream_modeling()
    model = reference_dream(folder)
    mask, eos = ids["<|mask|>"], ids["<|endoftext|>"]
    prompts = prompt_variants(hf)

    # What diffusion_generate() uses when the caller passes nothing (generation_config=None):
    defaults = model._prepare_generation_config(None)
    effective_defaults = {k: getattr(defaults, k) for k in ("temperature", "top_k", "top_p", "alg", "steps", "eps")}

    def d(case_name, prompt, n, steps, alg, **extra):
        return case_name, prompt, dict({"max_new_tokens": n, "steps": steps, "alg": alg, "temperature": 0.0,
                                        "return_dict_in_generate": False}, **extra)

    cases = [
        d("maskgit-plus-steps-eq-length", "plain", 16, 16, "maskgit_plus"),
        d("maskgit-plus-steps-lt-length", "plain", 32, 8, "maskgit_plus"),
        d("maskgit-plus-chat", "chat", 24, 12, "maskgit_plus"),
        d("topk-margin", "plain", 32, 8, "topk_margin"),
        d("topk-margin-chat", "chat", 24, 24, "topk_margin"),
        d("entropy", "plain", 32, 8, "entropy"),
        d("entropy-chat-steps-eq-length", "chat", 16, 16, "entropy"),
        d("maskgit-plus-top-k-none", "plain", 32, 8, "maskgit_plus", top_k=None),
        d("entropy-top-k-none", "plain", 32, 8, "entropy", top_k=None),
        d("maskgit-plus-top-p-0.9", "chat", 24, 12, "maskgit_plus", top_p=0.9),
        d("confidence-threshold-0.9", "chat", 32, 8, "confidence_threshold", threshold=0.9),
    ]
    results = []
    for case_name, pk, settings in cases:
        meta, pids = prompts[pk]
        case = {"name": case_name, "generator": "Fast-dLLM dream generation_utils.py diffusion_generate()",
                "prompt": meta, "settings": settings, "mask_id": mask}
        results.append(run_dream_case(model, gen_module, case, pids, mask))
    for r in results:
        g = r["effective_generation_config"]
        print(f"dream {r['name']}: nfe {r['nfe']} top_k {g['top_k']} top_p {g['top_p']} gaps commit "
              f"{r['min_commit_gap']} token {r['min_argmax_logit_gap']} thr {r['min_threshold_margin']}")
    write_json(os.path.join(GOLDEN, "generate-dream.json"), {
        "fixture": os.path.basename(folder),
        "reference_commits": refload.REFERENCE_COMMITS,
        "model_dtype": "float32",
        "special_ids": {"mask": mask, "eos": eos},
        "defaults_when_caller_passes_nothing": effective_defaults,
        "notes": DREAM_NOTES,
        "cases": results,
    })


DREAM_NOTES = [
    "settings are the keyword arguments passed to model.diffusion_generate(prompt_ids, **settings); "
    "effective_generation_config is what _sample() actually ran with.",
    "diffusion_generate() builds its config with DreamGenerationConfig.from_model_config(model.config) "
    "(generation_config.json is not read), so it inherits transformers' legacy PretrainedConfig "
    "generation attributes: top_k 50, top_p 1.0 and temperature 1.0 unless the caller passes them. "
    "Every case here passes temperature 0.0; top_k stays 50 unless the case passes top_k=None.",
    "output_ids is the generated part (max_new_tokens ids after the prompt). The logits the sampler reads "
    "are shifted: position i uses the model's raw row i-1 (row 0 for position 0).",
    "min_commit_gap is in the alg's score space (max prob, top1-top2 prob margin, or sum p log p), computed "
    "on the top-k/top-p filtered distribution as the reference does.",
    "confidence_threshold is Fast-dLLM's addition: a fixed number of commits per step "
    "(masked/steps), keeping the top one and any at or above threshold, carrying the rest forward.",
]


if __name__ == "__main__":
    main()
