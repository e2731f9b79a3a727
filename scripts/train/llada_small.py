"""A small LLaDA-layout transformer in plain PyTorch, for training task models on CPU.

The state dict has exactly the tensor names of GSAI-ML's `modeling_llada.py` (LLaDA-8B's
`block_type: llama` layout: `model.transformer.wte`, `blocks.N.{attn_norm,q_proj,k_proj,v_proj,
attn_out,ff_norm,ff_proj,up_proj,ff_out}`, `ln_f`, `ff_out`), so the saved checkpoint loads in
Unmask (and in the reference) with the `config.json` that `llada_config()` writes. It is a separate
file rather than the reference's LLaDAModelLM because it uses `scaled_dot_product_attention`
(several times faster on one CPU thread) and needs no reference checkout to train;
`check_against_reference()` compares logits with Fast-dLLM's model when FAST_DLLM_DIR is set.

Math, as the reference: RMSNorm in float32 with a weight and no bias; rotate-half RoPE with
inv_freq = theta^(-2i/d_head); non-causal attention scaled by 1/sqrt(d_head) (or under an
optional mask, for block diffusion); SwiGLU written as
ff_out(silu(ff_proj(x)) * up_proj(x)); untied output head.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.attn_norm = RMSNorm(d)
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.attn_out = nn.Linear(d, d, bias=False)
        self.ff_norm = RMSNorm(d)
        self.ff_proj = nn.Linear(d, mlp, bias=False)
        self.up_proj = nn.Linear(d, mlp, bias=False)
        self.ff_out = nn.Linear(mlp, d, bias=False)

    def forward(self, x, cos, sin, attn_mask=None):
        b, t, d = x.shape
        h = self.attn_norm(x)
        q, k, v = (p(h).view(b, t, self.heads, -1).transpose(1, 2)
                   for p in (self.q_proj, self.k_proj, self.v_proj))
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=False)
        x = x + self.attn_out(a.transpose(1, 2).reshape(b, t, d))
        h = self.ff_norm(x)
        return x + self.ff_out(F.silu(self.ff_proj(h)) * self.up_proj(h))


def rotate(x, cos, sin):
    x1, x2 = x.chunk(2, dim=-1)
    return (x * cos + torch.cat((-x2, x1), dim=-1) * sin).to(x.dtype)


class Transformer(nn.Module):
    def __init__(self, vocab, d, layers, heads, mlp):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, heads, mlp) for _ in range(layers))
        self.ln_f = RMSNorm(d)
        self.ff_out = nn.Linear(d, vocab, bias=False)


class LLaDASmall(nn.Module):
    """`model.transformer.*` as in the reference, so `state_dict()` keys match it."""

    def __init__(self, vocab, d_model, n_layers, n_heads, mlp_hidden_size, rope_theta=10000.0):
        super().__init__()
        self.model = nn.Module()
        self.model.transformer = Transformer(vocab, d_model, n_layers, n_heads, mlp_hidden_size)
        hd = d_model // n_heads
        self.register_buffer(
            "inv_freq", 1.0 / rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd),
            persistent=False)
        self.n_layers = n_layers
        self.heads = n_heads
        self.reset_parameters()

    def reset_parameters(self, std=0.02):
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p)
            elif name.endswith("attn_out.weight") or name.endswith("blocks.0.ff_out.weight") or (
                    ".blocks." in name and name.endswith("ff_out.weight")):
                nn.init.normal_(p, std=std / math.sqrt(2 * self.n_layers))
            else:
                nn.init.normal_(p, std=std)

    def forward(self, ids, attn_mask=None, positions=None):
        """Logits [B, T, V]. `attn_mask` (optional, [T, T] bool, True = attend; SDPA's
        convention) restricts attention, which is otherwise full (bidirectional); `positions`
        (optional, [T]) are the RoPE positions, 0..T-1 by default."""
        tr = self.model.transformer
        t = ids.shape[1]
        pos = (torch.arange(t, dtype=torch.float32) if positions is None
               else positions.to(torch.float32))
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        x = tr.wte(ids)
        for block in tr.blocks:
            x = block(x, cos, sin, attn_mask)
        return tr.ff_out(tr.ln_f(x))


def warmup_cosine(step, peak, warmup, total):
    """Learning rate at `step`: linear warmup to `peak`, then a cosine down to 10% of it at
    `total` (and 10% after)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    frac = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


def adamw(model, lr, betas, weight_decay):
    """AdamW with weight decay on matrices only (not on norms' weights)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=betas)


def optimizer_step(opt, model, loss, lr):
    """One update at learning rate `lr`: backward, gradient norm clipped to 1, step."""
    for group in opt.param_groups:
        group["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def forward_process(input_ids, mask_id, generator, eps=1e-3):
    """LLaDA GUIDELINES.md forward_process, with an explicit generator and t stratified over the
    batch (t_i = (i + u) / b, one u per batch): the same loss in expectation, lower variance."""
    b, l = input_ids.shape
    t = (torch.arange(b, dtype=torch.float32) + torch.rand(1, generator=generator)) / b
    p_mask = ((1 - eps) * t + eps)[:, None].repeat(1, l)
    masked = torch.rand((b, l), generator=generator) < p_mask
    noisy = torch.where(masked, torch.full_like(input_ids, mask_id), input_ids)
    return noisy, masked, p_mask


def diffusion_loss(logits_of, batch, mask_id, generator):
    """LLaDA's pre-training loss: cross-entropy on the masked tokens / p_mask, summed, divided
    by batch * length. `logits_of(noisy ids) -> [B, L, V]`."""
    noisy, masked, p_mask = forward_process(batch, mask_id, generator)
    logits = logits_of(noisy)
    token_loss = F.cross_entropy(logits[masked], batch[masked], reduction="none") / p_mask[masked]
    return token_loss.sum() / (batch.shape[0] * batch.shape[1])


def llada_config(vocab, d_model, n_layers, n_heads, mlp_hidden_size, mask_id, eos_id,
                 rope_theta=10000.0, max_len=4096):
    """config.json with LLaDA-8B's fields (the same keys as models/tiny-llada-trained)."""
    return {
        "activation_type": "silu", "alibi": False, "alibi_bias_max": 8.0,
        "architectures": ["LLaDAModelLM"], "attention_dropout": 0.0,
        "attention_layer_norm": False, "attention_layer_norm_with_affine": True,
        "auto_map": {"AutoConfig": "configuration_llada.LLaDAConfig",
                     "AutoModelForCausalLM": "modeling_llada.LLaDAModelLM",
                     "AutoModel": "modeling_llada.LLaDAModelLM"},
        "bias_for_layer_norm": False, "block_group_size": 1, "block_type": "llama",
        "d_model": d_model, "embedding_dropout": 0.0, "embedding_size": vocab,
        "eos_token_id": eos_id, "flash_attention": False, "include_bias": False,
        "include_qkv_bias": False, "init_cutoff_factor": None, "init_device": "meta",
        "init_fn": "mitchell", "init_std": 0.02, "input_emb_norm": False,
        "layer_norm_type": "rms", "layer_norm_with_affine": True, "mask_token_id": mask_id,
        "max_sequence_length": max_len, "mlp_hidden_size": mlp_hidden_size, "mlp_ratio": 4,
        "model_type": "llada", "multi_query_attention": None, "n_heads": n_heads,
        "n_kv_heads": n_heads, "n_layers": n_layers, "pad_token_id": eos_id,
        "precision": "amp_bf16", "residual_dropout": 0.0, "rms_norm_eps": 1e-05, "rope": True,
        "rope_full_precision": True, "rope_theta": rope_theta, "scale_logits": False,
        "transformers_version": "4.46.3", "use_cache": False, "vocab_size": vocab,
        "weight_tying": False,
    }
