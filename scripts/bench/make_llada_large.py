#!/usr/bin/env python3
"""Write a random-weight LLaDA checkpoint at real size (default: LLaDA-8B's shapes, d 4096,
32 layers, 32 heads, MLP 12288, vocabulary 126,464; 8.0B weights, 16 GB of bf16) in the
Hugging Face layout llama.cpp's converter and Unmask both read, without ever holding more than
one tensor in memory (../shared/bench/make_llada.py builds the whole model in RAM, which at 8B
needs 32 GB).

    python3 scripts/bench/make_llada_large.py OUT_DIR [--d 4096 --layers 32 --heads 32
        --mlp 12288 --vocab 126464 --seed 0 --corpus /usr/share/games/fortunes]

The tokenizer is a byte-level BPE trained on the fortunes corpus (Debian's `fortunes`), as the
anchor's; the corpus yields fewer merges than the vocabulary has rows, so the ids above the
trained ones are unused rows (llama.cpp's converter names them `[PAD<id>]`). Weights are
normal with the anchor's standard deviations and norms 1, rounded to bfloat16 (nearest even)
(bf16_safetensors.py), so outputs mean nothing: this is for timing and memory only. Needs numpy
and tokenizers.
"""
import argparse
import glob
import json
import os
import sys

from bf16_safetensors import write_random_bf16

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--d", type=int, default=4096)
p.add_argument("--layers", type=int, default=32)
p.add_argument("--heads", type=int, default=32)
p.add_argument("--mlp", type=int, default=12288)
p.add_argument("--vocab", type=int, default=126464)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--corpus", default="/usr/share/games/fortunes")
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402

specials = ["<|startoftext|>", "<|endoftext|>", "<|mdm_mask|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>"]
files = [f for f in glob.glob(os.path.join(a.corpus, "*"))
         if os.path.isfile(f) and not f.endswith((".dat", ".u8"))]
if not files:
    sys.exit(f"no corpus files in {a.corpus} (Debian: apt-get install fortunes)")
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.train(files, trainers.BpeTrainer(
    vocab_size=a.vocab - len(specials), special_tokens=[], show_progress=False,
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
tok.add_special_tokens(specials)
tok.save(os.path.join(a.out, "tokenizer.json"))
ids = {s: tok.token_to_id(s) for s in specials}
json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|startoftext|>",
           "eos_token": "<|endoftext|>", "mask_token": "<|mdm_mask|>",
           "pad_token": "<|endoftext|>", "model_max_length": 4096},
          open(os.path.join(a.out, "tokenizer_config.json"), "w"), indent=2)

config = {
    "architectures": ["LLaDAModelLM"], "model_type": "llada", "activation_type": "silu",
    "alibi": False, "block_type": "llama", "d_model": a.d, "n_heads": a.heads,
    "n_kv_heads": a.heads, "n_layers": a.layers, "mlp_hidden_size": a.mlp, "mlp_ratio": 4,
    "embedding_size": a.vocab, "vocab_size": a.vocab, "max_sequence_length": 4096,
    "rope": True, "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "layer_norm_type": "rms",
    "include_bias": False, "include_qkv_bias": False, "bias_for_layer_norm": False,
    "input_emb_norm": False, "scale_logits": False, "weight_tying": False,
    "eos_token_id": ids["<|endoftext|>"], "pad_token_id": ids["<|endoftext|>"],
    "mask_token_id": ids["<|mdm_mask|>"], "torch_dtype": "bfloat16", "use_cache": False,
}
json.dump(config, open(os.path.join(a.out, "config.json"), "w"), indent=2)

# (name, shape, std; None: a norm, all 1)
d, mlp = a.d, a.mlp
tensors = [("model.transformer.wte.weight", (a.vocab, d), 1.0),
           ("model.transformer.ln_f.weight", (d,), None),
           ("model.transformer.ff_out.weight", (a.vocab, d), 0.05)]
for i in range(a.layers):
    b = f"model.transformer.blocks.{i}."
    tensors += [(b + "attn_norm.weight", (d,), None), (b + "ff_norm.weight", (d,), None),
                (b + "q_proj.weight", (d, d), 0.06), (b + "k_proj.weight", (d, d), 0.06),
                (b + "v_proj.weight", (d, d), 0.02), (b + "attn_out.weight", (d, d), 0.02),
                (b + "ff_proj.weight", (mlp, d), 0.02), (b + "up_proj.weight", (mlp, d), 0.02),
                (b + "ff_out.weight", (d, mlp), 0.02)]
offset = write_random_bf16(os.path.join(a.out, "model.safetensors"), tensors, a.seed)
print(json.dumps({"params": offset // 2, "bytes": offset, "mask_token_id": ids["<|mdm_mask|>"]}))
