import Foundation

/// `general.architecture = llada-moe` (conversion/llada.py `LLaDAMoEModel`, OLMoE-like) back to
/// LLaDA-MoE's config.json and Hugging Face names.
///
/// The converter stacks each layer's experts into `ffn_{gate,up,down}_exps` `[experts, out,
/// in]`, which `GGUFTensorNames` slices back per expert without copying. What the GGUF leaves
/// implicit is read from the tensors: QK-norm (`attn_q_norm`), attention biases, which layers
/// are mixtures (`ffn_gate_exps` present; the others dense), a shared expert and its width
/// (`ffn_gate_shexp`), the router's expert bias (`exp_probs_b`). The partial RoPE factor is
/// `rope.dimension_count / head_dim` when the file says.
enum GGUFLLaDAMoE {
  static func mapping(_ h: GGUFHyperparameters) throws -> GGUFArchitecture.Mapping {
    let d = try h.int("embedding_length")
    let heads = try h.int("attention.head_count")
    let layers = try h.int("block_count")
    let rows = try h.embeddingRows()
    guard heads > 0, d % heads == 0 else {
      throw CheckpointError(
        path: h.file.location, item: "llada-moe.attention.head_count",
        "\(heads) heads do not divide embedding_length \(d)")
    }
    if let gating = h.optionalInt("expert_gating_func"), gating != 1 {
      throw CheckpointError(
        path: h.file.location, item: "llada-moe.expert_gating_func",
        "\(gating) is not softmax (1), which LLaDA-MoE's router uses")
    }
    let moe = (0..<layers).map { h.has("blk.\($0).ffn_gate_exps.weight") }
    let shared = (0..<layers).lazy.compactMap { h.shape("blk.\($0).ffn_gate_shexp.weight")?.first }
      .first
    let rope = h.optionalInt("rope.dimension_count").map { Double($0) / Double(d / heads) } ?? 1
    var config: [String: Any] = [
      "model_type": "lladamoe", "architectures": ["LLaDAMoEModelLM"], "vocab_size": rows,
      "hidden_size": d, "num_hidden_layers": layers, "num_attention_heads": heads,
      "num_key_value_heads": h.optionalInt("attention.head_count_kv") ?? heads,
      "dense_intermediate_size": h.optionalInt("feed_forward_length") ?? -1,
      "expert_intermediate_size": h.optionalInt("expert_feed_forward_length") ?? -1,
      "shared_expert_intermediate_size": shared.map { $0 as Any } ?? NSNull(),
      "num_experts": h.optionalInt("expert_count") ?? -1,
      "num_experts_per_tok": h.optionalInt("expert_used_count") ?? -1, "hidden_act": "silu",
      "rms_norm_eps": try h.double("attention.layer_norm_rms_epsilon"),
      "rope_theta": (try? h.double("rope.freq_base")) ?? 10_000, "partial_rotary_factor": rope,
      "tie_word_embeddings": !h.has("output.weight"),
      "attention_bias": h.has("blk.0.attn_q.bias"),
      "qk_layernorm": h.has("blk.0.attn_q_norm.weight"),
      "moe_layer_freq": moe.map { $0 ? 1 : 0 },
      "moe_router_enable_expert_bias": h.has("blk.0.exp_probs_b.bias"),
    ]
    if let context = h.optionalInt("context_length") { config["max_position_embeddings"] = context }
    config.merge(GGUFArchitecture.specialIDs(h, rows: rows)) { $1 }
    var origins = GGUFArchitecture.renamed(
      h.file, block: { "model.layers.\($0)" }, parts: GGUFArchitecture.huggingFaceParts,
      top: GGUFArchitecture.huggingFaceTop)
    let experts = h.optionalInt("expert_count") ?? 0
    for i in 0..<layers {
      if h.has("blk.\(i).exp_probs_b.bias") {
        origins["model.layers.\(i).mlp.expert_bias"] = .whole("blk.\(i).exp_probs_b.bias")
      }
      for part in ["gate", "up", "down"] where h.has("blk.\(i).ffn_\(part)_exps.weight") {
        for e in 0..<experts {
          origins["model.layers.\(i).mlp.experts.\(e).\(part)_proj.weight"] = .expert(
            "blk.\(i).ffn_\(part)_exps.weight", index: e)
        }
      }
    }
    return .init(config: config, origins: origins)
  }
}
