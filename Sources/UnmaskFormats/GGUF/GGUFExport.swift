import Foundation
import UnmaskCore
import UnmaskKernels

/// `unmask export MODEL out.gguf`: a checkpoint Unmask reads (a `.umk`, a safetensors folder)
/// written as the GGUF llama.cpp's `convert_hf_to_gguf.py` would have written for it, for the
/// architectures llama.cpp runs as diffusion models (`llada`, `dream`, `llada-moe`): the same
/// hyperparameter keys, tokenizer metadata (`GGUFVocabulary`) and tensor names, LLaDA's q and
/// k rows permuted for ggml's pairwise RoPE, LLaDA-MoE's experts stacked into
/// `ffn_*_exps` `[experts, out, in]`. It is the inverse of `GGUFArchitecture.map`.
///
/// Tensors keep their stored type (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K are all ggml
/// types), so `convert --quantize q4_k_m` then `export` gives a Q4_K_M GGUF; vectors (norms,
/// biases) and MoE routers are written as F32, as the converter writes them.
public enum GGUFExport {
  /// What an export wrote.
  public struct Summary: Sendable {
    /// `general.architecture`.
    public var architecture: String
    /// Tensors written.
    public var tensors: Int
    /// Tensor bytes written.
    public var bytes: Int
  }

  /// The architectures written, by config.json's `architectures[0]`.
  static let architectures = [
    "LLaDAModelLM": "llada", "DreamModel": "dream", "LLaDAMoEModel": "llada-moe",
    "LLaDAMoEModelLM": "llada-moe",
  ]

  /// Writes `weights` with the model's `files` (config.json and tokenizer files) to
  /// `destination`.
  public static func write(
    weights: any TensorSource, files: [(name: String, data: Data)], to destination: URL
  ) throws -> Summary {
    let path = weights.location
    let file = { (name: String) in files.first { $0.name == name }?.data }
    guard let configData = file("config.json"),
      let config = try? JSONSerialization.jsonObject(with: configData) as? [String: Any]
    else {
      throw CheckpointError(path: path, item: "config.json", "missing: a GGUF export needs it")
    }
    let declared = (config["architectures"] as? [String])?.first ?? "none"
    guard let architecture = architectures[declared] else {
      throw CheckpointError(
        path: path, item: "config.json",
        "architecture \(declared) has no GGUF form llama.cpp runs (exported: LLaDA, Dream, LLaDA-MoE)"
      )
    }
    guard let tokenizer = file("tokenizer.json") else {
      throw CheckpointError(path: path, item: "tokenizer.json", "missing: a GGUF export needs it")
    }
    let tensors = try GGUFExportTensors(
      weights: weights, architecture: architecture, config: config)
    var metadata: [(key: String, value: GGUFValue)] = [
      ("general.architecture", .string(architecture)), ("general.type", .string("model")),
      ("general.name", .string(destination.deletingPathExtension().lastPathComponent)),
    ]
    metadata += try hyperparameters(architecture, config: config, path: path)
    metadata.append(("general.file_type", .unsigned(UInt64(tensors.fileType), bits: 32)))
    metadata.append(("general.quantization_version", .unsigned(2, bits: 32)))
    metadata += try GGUFVocabulary(
      tokenizerJSON: tokenizer, tokenizerConfigJSON: file("tokenizer_config.json"),
      config: config, vocabularySize: tensors.embeddingRows,
      addBOS: architecture == "llada" ? true : nil, path: path
    ).metadata
    try GGUFWriter.write(metadata: metadata, tensors: tensors.list, to: destination)
    return Summary(
      architecture: architecture, tensors: tensors.list.count,
      bytes: tensors.list.reduce(0) { $0 + $1.byteCount })
  }

  /// The `<architecture>.*` keys, from config.json by the converter's names for each
  /// (`TextModel.set_gguf_parameters` and the architecture's own additions).
  static func hyperparameters(_ architecture: String, config: [String: Any], path: String) throws
    -> [(key: String, value: GGUFValue)]
  {
    func find(_ names: [String]) -> Any? { names.lazy.compactMap { config[$0] }.first }
    func int(_ names: [String]) throws -> Int {
      guard let value = find(names) as? Int else {
        throw CheckpointError(
          path: path, item: "config.json", "needs \(names.joined(separator: " or "))")
      }
      return value
    }
    let u32 = { (v: Int) in GGUFValue.unsigned(UInt64(v), bits: 32) }
    let f32 = { (v: Any?) -> GGUFValue? in
      (v as? Double).map { .float32(Float($0)) } ?? (v as? Int).map { .float32(Float($0)) }
    }
    let heads = try int(["num_attention_heads", "n_heads"])
    let d = try int(["hidden_size", "d_model"])
    var keys: [(String, GGUFValue)] = [
      ("block_count", u32(try int(["num_hidden_layers", "n_layers"]))),
      (
        "context_length",
        u32((find(["max_position_embeddings", "max_sequence_length"]) as? Int) ?? 4096)
      ),
      ("embedding_length", u32(d)),
      (
        "feed_forward_length",
        u32(try int(["dense_intermediate_size", "intermediate_size", "mlp_hidden_size"]))
      ),
      ("attention.head_count", u32(heads)),
      (
        "attention.head_count_kv",
        u32((find(["num_key_value_heads", "n_kv_heads"]) as? Int) ?? heads)
      ),
    ]
    // transformers 5 writes RoPE's settings in one `rope_parameters` object, and for its own
    // classes no `rope_theta` beside it.
    let ropeParameters = config["rope_parameters"] as? [String: Any]
    for scaling in [config["rope_scaling"], ropeParameters].compactMap({ $0 as? [String: Any] }) {
      let type = (scaling["rope_type"] ?? scaling["type"]) as? String ?? "default"
      guard type == "default" else {
        throw CheckpointError(
          path: path, item: "config.json",
          "RoPE scaling '\(type)' has no GGUF form here (only the default RoPE is exported)")
      }
    }
    if let theta = f32(ropeParameters?["rope_theta"]) ?? f32(config["rope_theta"]) {
      keys.append(("rope.freq_base", theta))
    }
    if let eps = f32(config["rms_norm_eps"]) {
      keys.append(("attention.layer_norm_rms_epsilon", eps))
    }
    switch architecture {
    case "llada":
      keys.append(("vocab_size", u32(try int(["vocab_size"]))))
      keys.append(("rope.dimension_count", u32(d / max(heads, 1))))
    case "llada-moe":
      keys.append(("expert_count", u32(try int(["num_experts"]))))
      keys.append(("expert_used_count", u32(try int(["num_experts_per_tok"]))))
      keys.append(("expert_feed_forward_length", u32(try int(["expert_intermediate_size"]))))
    default:
      break
    }
    keys.append(("attention.causal", .bool(false)))
    var all = keys.map { (key: "\(architecture).\($0.0)", value: $0.1) }
    if architecture != "dream" { all.append(("diffusion.shift_logits", .bool(false))) }
    return all
  }
}
