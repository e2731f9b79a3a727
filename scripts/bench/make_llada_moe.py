#!/usr/bin/env python3
"""Write a random-weight LLaDA-MoE checkpoint in its Hugging Face layout (config.json, bf16
model.safetensors, tokenizer files) for side-by-side speed runs at real size.

Usage: make_llada_moe.py OUT_DIR [--config scripts/bench/llada-moe-7b-a1b/config.json]
       [--tokenizer Tests/Fixtures/tiny-llada-moe] [--seed 0]

The config is copied as is (default: LLaDA-MoE-7B-A1B's, see its README). The tensors are
written one at a time straight into the file (a 15 GB checkpoint never sits in memory):
projections normal with standard deviation 0.02, embeddings 1.0, norms 1. The tokenizer is a
small fixture's (ids past it are padding for llama.cpp's converter); the values mean nothing.
Needs numpy only."""
import argparse, json, os, shutil
import numpy as np
from bf16_safetensors import write_random_bf16

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--config", default=os.path.join(here, "llada-moe-7b-a1b", "config.json"))
p.add_argument("--tokenizer", default=os.path.join(repo, "Tests", "Fixtures", "tiny-llada-moe"))
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
cfg = json.load(open(a.config))
d, layers, v = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["vocab_size"]
heads, kv = cfg["num_attention_heads"], cfg.get("num_key_value_heads") or cfg["num_attention_heads"]
hd = d // heads
E, I = cfg["num_experts"], cfg["expert_intermediate_size"]
freq = cfg.get("moe_layer_freq") or [1] * layers

# (name, shape, std or None for ones), in the order the file holds them.
specs = [("model.embed_tokens.weight", (v, d), 1.0), ("model.norm.weight", (d,), None)]
if not cfg.get("tie_word_embeddings", False):
    specs.append(("lm_head.weight", (v, d), 0.02))
for i in range(layers):
    b = f"model.layers.{i}."
    specs += [(b + "input_layernorm.weight", (d,), None),
              (b + "post_attention_layernorm.weight", (d,), None),
              (b + "self_attn.q_proj.weight", (heads * hd, d), 0.02),
              (b + "self_attn.k_proj.weight", (kv * hd, d), 0.02),
              (b + "self_attn.v_proj.weight", (kv * hd, d), 0.02),
              (b + "self_attn.o_proj.weight", (d, heads * hd), 0.02)]
    if cfg.get("qk_layernorm"):
        specs += [(b + "self_attn.q_norm.weight", (hd,), None),
                  (b + "self_attn.k_norm.weight", (hd,), None)]
    if freq[i]:
        specs.append((b + "mlp.gate.weight", (E, d), 0.02))
        for e in range(E):
            specs += [(b + f"mlp.experts.{e}.gate_proj.weight", (I, d), 0.02),
                      (b + f"mlp.experts.{e}.up_proj.weight", (I, d), 0.02),
                      (b + f"mlp.experts.{e}.down_proj.weight", (d, I), 0.02)]
        if cfg.get("shared_expert_intermediate_size"):
            S = cfg["shared_expert_intermediate_size"]
            specs += [(b + "shared_expert.gate_proj.weight", (S, d), 0.02),
                      (b + "shared_expert.up_proj.weight", (S, d), 0.02),
                      (b + "shared_expert.down_proj.weight", (d, S), 0.02)]
    else:
        D = cfg["dense_intermediate_size"]
        specs += [(b + "mlp.gate_proj.weight", (D, d), 0.02), (b + "mlp.up_proj.weight", (D, d), 0.02),
                  (b + "mlp.down_proj.weight", (d, D), 0.02)]

os.makedirs(a.out, exist_ok=True)
offset = write_random_bf16(os.path.join(a.out, "model.safetensors"), specs, a.seed)
shutil.copy(a.config, os.path.join(a.out, "config.json"))
for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
    if os.path.exists(os.path.join(a.tokenizer, name)):
        shutil.copy(os.path.join(a.tokenizer, name), os.path.join(a.out, name))
total = sum(int(np.prod(s)) for _, s, _ in specs)
print(json.dumps({"tensors": len(specs), "parameters": total, "bytes": offset}))
