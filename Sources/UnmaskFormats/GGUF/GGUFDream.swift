/// `general.architecture = dream` (conversion/dream.py `DreamModel`, a Qwen2 layout with
/// non-causal attention) back to Dream's config.json and Hugging Face names. The converter
/// renames only; it permutes nothing (llama.cpp runs Dream with NEOX, rotate-half, RoPE). Dream's
/// one-position logit shift is the architecture's, not the file's: the model applies it.
enum GGUFDream {
  static func mapping(_ h: GGUFHyperparameters) throws -> GGUFArchitecture.Mapping {
    let heads = try h.int("attention.head_count")
    let rows = try h.embeddingRows()
    var config: [String: Any] = [
      "model_type": "Dream", "architectures": ["DreamModel"],
      "hidden_size": try h.int("embedding_length"),
      "intermediate_size": try h.int("feed_forward_length"),
      "num_hidden_layers": try h.int("block_count"), "num_attention_heads": heads,
      "num_key_value_heads": h.optionalInt("attention.head_count_kv") ?? heads,
      "rms_norm_eps": try h.double("attention.layer_norm_rms_epsilon"),
      "rope_theta": (try? h.double("rope.freq_base")) ?? 10_000, "vocab_size": rows,
      "tie_word_embeddings": !h.has("output.weight"), "hidden_act": "silu",
    ]
    if let context = h.optionalInt("context_length") { config["max_position_embeddings"] = context }
    config.merge(GGUFArchitecture.specialIDs(h, rows: rows)) { $1 }
    return .init(
      config: config,
      origins: GGUFArchitecture.renamed(
        h.file, block: { "model.layers.\($0)" }, parts: GGUFArchitecture.huggingFaceParts,
        top: GGUFArchitecture.huggingFaceTop))
  }
}
