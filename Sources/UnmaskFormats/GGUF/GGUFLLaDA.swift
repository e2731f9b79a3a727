/// `general.architecture = llada` (conversion/llada.py `LLaDAModel`) back to LLaDA's
/// config.json and `model.transformer.*` names.
///
/// The converter sets `undo_permute`: it permutes the rows of every q and k projection (and
/// bias) per head for llama.cpp's pairwise ("normal") RoPE, as for Llama. Unmask's LLaDA turns
/// rotate-half pairs, as `modeling_llada.py` does, so those rows are put back
/// (`GGUFTensorNames.Origin.pairwiseRoPERows`); Dream and LLaDA-MoE are converted unpermuted.
/// What config.json knew that the GGUF does not (`input_emb_norm`, `scale_logits`, non-RMS
/// norms) takes LLaDA-8B's values, the only ones llama.cpp runs.
enum GGUFLLaDA {
  static let parts = [
    "attn_norm": "attn_norm", "ffn_norm": "ff_norm", "attn_q": "q_proj", "attn_k": "k_proj",
    "attn_v": "v_proj", "attn_output": "attn_out", "ffn_gate": "ff_proj", "ffn_up": "up_proj",
    "ffn_down": "ff_out",
  ]
  static let top = [
    "token_embd.weight": "model.transformer.wte.weight",
    "output_norm.weight": "model.transformer.ln_f.weight",
    "output.weight": "model.transformer.ff_out.weight",
  ]

  static func mapping(_ h: GGUFHyperparameters) throws -> GGUFArchitecture.Mapping {
    let d = try h.int("embedding_length")
    let heads = try h.int("attention.head_count")
    let kvHeads = h.optionalInt("attention.head_count_kv") ?? heads
    let layers = try h.int("block_count")
    guard heads > 0, d % heads == 0, kvHeads > 0 else {
      throw CheckpointError(
        path: h.file.location, item: "llada.attention.head_count",
        "\(heads) heads do not divide embedding_length \(d)")
    }
    let headDimension = d / heads
    if let rope = h.optionalInt("rope.dimension_count"), rope != headDimension {
      throw CheckpointError(
        path: h.file.location, item: "llada.rope.dimension_count",
        "\(rope) differs from the head dimension \(headDimension) (partial RoPE is not LLaDA's)")
    }
    let rows = try h.embeddingRows()
    var config: [String: Any] = [
      "model_type": "llada", "architectures": ["LLaDAModelLM"], "d_model": d, "n_heads": heads,
      "n_kv_heads": kvHeads, "n_layers": layers,
      "mlp_hidden_size": try h.int("feed_forward_length"),
      "rope_theta": (try? h.double("rope.freq_base")) ?? 10_000,
      "rms_norm_eps": try h.double("attention.layer_norm_rms_epsilon"),
      "vocab_size": h.optionalInt("vocab_size") ?? rows, "embedding_size": rows,
      "block_type": "llama", "layer_norm_type": "rms", "activation_type": "silu", "rope": true,
      "alibi": false, "weight_tying": !h.has("output.weight"),
      "include_qkv_bias": h.has("blk.0.attn_q.bias"),
      "include_bias": h.has("blk.0.attn_output.bias"),
      "bias_for_layer_norm": h.has("blk.0.attn_norm.bias"),
    ]
    if let context = h.optionalInt("context_length") { config["max_sequence_length"] = context }
    config.merge(GGUFArchitecture.specialIDs(h, rows: rows)) { $1 }
    var origins = GGUFArchitecture.renamed(
      h.file, block: { "model.transformer.blocks.\($0)" }, parts: parts, top: top)
    for i in 0..<layers {
      for (part, hf) in [("attn_q", "q_proj"), ("attn_k", "k_proj")] {
        for suffix in ["weight", "bias"] where h.has("blk.\(i).\(part).\(suffix)") {
          origins["model.transformer.blocks.\(i).\(hf).\(suffix)"] = .pairwiseRoPERows(
            "blk.\(i).\(part).\(suffix)", headDimension: headDimension)
        }
      }
    }
    return .init(config: config, origins: origins)
  }
}
