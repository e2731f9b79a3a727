import Foundation

/// The masked-diffusion architectures llama.cpp's `convert_hf_to_gguf.py` writes, mapped back
/// to what Unmask's loaders read: a config.json built from the `<arch>.*` hyperparameters and
/// the tokenizer's special ids, and the tensors under their Hugging Face names
/// (`GGUFTensorNames`). One file per architecture (`GGUFLLaDA`, `GGUFDream`, `GGUFLLaDAMoE`);
/// adding one is a file with a `mapping` function plus an entry in `mappings`.
public enum GGUFArchitecture {
  /// What one architecture's mapping gives.
  struct Mapping {
    /// The config.json object.
    var config: [String: Any]
    /// Hugging Face name -> GGUF origin.
    var origins: [String: GGUFTensorNames.Origin]
  }

  /// `general.architecture` -> its mapping.
  static let mappings: [String: (GGUFHyperparameters) throws -> Mapping] = [
    "llada": GGUFLLaDA.mapping, "dream": GGUFDream.mapping, "llada-moe": GGUFLLaDAMoE.mapping,
  ]

  /// The architectures read, sorted.
  public static var knownNames: [String] { mappings.keys.sorted() }

  /// `file`'s config.json and its tensors under Hugging Face names; an architecture Unmask
  /// does not run is refused naming it.
  public static func map(_ file: GGUFFile) throws -> (configJSON: Data, weights: GGUFTensorNames) {
    guard let name = file.architecture else {
      throw CheckpointError(path: file.location, item: "general.architecture", "missing")
    }
    guard let mapping = mappings[name] else {
      throw CheckpointError(
        path: file.location, item: "general.architecture",
        "'\(name)' is not an architecture Unmask runs (GGUF architectures read: \(knownNames.joined(separator: ", ")))"
      )
    }
    let result = try mapping(GGUFHyperparameters(file: file, architecture: name))
    return (
      try JSONSerialization.data(withJSONObject: result.config, options: [.sortedKeys]),
      GGUFTensorNames(file: file, origins: result.origins)
    )
  }

  /// Renames every `blk.N.<part>.<weight|bias>` whose part is in `parts` to
  /// `<block(N)>.<parts[part]>.<weight|bias>`, and the top-level tensors in `top`
  /// (`token_embd.weight` -> `model.embed_tokens.weight`).
  static func renamed(
    _ file: GGUFFile, block: (Int) -> String, parts: [String: String], top: [String: String]
  ) -> [String: GGUFTensorNames.Origin] {
    var origins: [String: GGUFTensorNames.Origin] = [:]
    for name in file.tensorNames {
      if let hf = top[name] {
        origins[hf] = .whole(name)
        continue
      }
      let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
      guard pieces.count == 4, pieces[0] == "blk", let n = Int(pieces[1]),
        let part = parts[String(pieces[2])]
      else { continue }
      origins["\(block(n)).\(part).\(pieces[3])"] = .whole(name)
    }
    return origins
  }

  /// The parts of a Hugging Face transformers layout (`model.layers.N.…`: Qwen2/Dream,
  /// OLMoE/LLaDA-MoE) by their GGUF names (gguf-py's tensor_mapping.py).
  static let huggingFaceParts: [String: String] = [
    "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj", "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj", "ffn_gate_inp": "mlp.gate",
    "ffn_gate_shexp": "shared_expert.gate_proj", "ffn_up_shexp": "shared_expert.up_proj",
    "ffn_down_shexp": "shared_expert.down_proj",
  ]

  /// The top-level tensors of the Hugging Face layout.
  static let huggingFaceTop = [
    "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
  ]

  /// The special ids config.json carries, from `tokenizer.ggml.*`; a mask id outside the
  /// embedding (LLaDA-MoE's converter writes the 7B model's 156895 whatever the vocabulary) is
  /// left out, so the tokenizer's mask token is used, as for a config.json without one.
  static func specialIDs(_ h: GGUFHyperparameters, rows: Int) -> [String: Any] {
    var ids: [String: Any] = [:]
    for (key, name) in [
      ("eos_token_id", "eos"), ("pad_token_id", "padding"), ("bos_token_id", "bos"),
      ("mask_token_id", "mask"),
    ] {
      if let id = h.tokenID(name), id < rows { ids[key] = id }
    }
    return ids
  }
}
