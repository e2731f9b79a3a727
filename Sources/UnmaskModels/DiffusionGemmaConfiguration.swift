import Foundation
import UnmaskCore

/// DiffusionGemma's `config.json` (`DiffusionGemmaConfig` with its `text_config`, transformers
/// 5.23 `configuration_diffusion_gemma.py`), with that file's defaults for absent keys.
///
/// Two spellings of the full-attention layers' geometry are read, as `__post_init__` reads them:
/// `per_layer_config` (what `save_pretrained` writes: `{"<layer>": {"head_dim": …,
/// "num_key_value_heads": …}}`), or, without it, `global_head_dim` (default 512) and
/// `num_global_key_value_heads` applied to every full-attention layer.
public struct DiffusionGemmaConfiguration: Sendable {
  /// What a layer's attention is.
  public enum LayerKind: String, Sendable, Equatable {
    /// Local attention: the encoder sees the last `sliding_window` positions; the canvas
    /// decoder sees the last `sliding_window - 1` cached prompt positions and the whole canvas.
    case sliding = "sliding_attention"
    /// Global attention (its own head width and key/value heads, K = V, proportional RoPE).
    case full = "full_attention"
  }

  /// A RoPE setting from `rope_parameters[<layer kind>]`.
  public struct Rope: Sendable, Equatable {
    /// `rope_type`: `default` or `proportional`.
    public var type: String
    /// `rope_theta`.
    public var theta: Double
    /// `partial_rotary_factor` (1 when absent).
    public var partialRotaryFactor: Double
    /// `factor` (1 when absent; proportional RoPE divides its frequencies by it).
    public var factor: Double
  }

  /// Rows of the embedding and head (`vocab_size`).
  public var vocabularySize = 262_144
  /// Model width (`hidden_size`).
  public var hiddenSize = 2304
  /// Dense MLP and self-conditioning width (`intermediate_size`).
  public var intermediateSize = 9216
  /// Query heads.
  public var heads = 8
  /// Key/value heads of the sliding layers (`num_key_value_heads`).
  public var kvHeads = 4
  /// Head width of the sliding layers (`head_dim`).
  public var headDimension = 256
  /// Each layer's kind (`layer_types`, 5 sliding to 1 full by default, the last forced full).
  public var layerKinds: [LayerKind] = []
  /// `[head_dim, num_key_value_heads]` per layer, overrides applied.
  public var layerGeometry: [(headDimension: Int, kvHeads: Int)] = []
  /// `sliding_window`.
  public var slidingWindow = 512
  /// `rms_norm_eps`.
  public var rmsNormEpsilon = 1e-6
  /// `final_logit_softcapping` (nil: none).
  public var finalLogitSoftcap: Double? = 30
  /// Routed experts per layer (`num_experts`).
  public var experts = 0
  /// Experts per token (`top_k_experts`).
  public var topK = 0
  /// One expert's width (`moe_intermediate_size`).
  public var expertWidth = 0
  /// `hidden_activation`.
  public var activation = "gelu_pytorch_tanh"
  /// `attention_bias`.
  public var attentionBias = false
  /// `use_bidirectional_attention` (`null` or `vision`: the encoder is causal).
  public var bidirectionalAttention: String?
  /// `tie_word_embeddings`.
  public var tiedEmbeddings = true
  /// RoPE of each layer kind.
  public var ropes: [LayerKind: Rope] = [
    .sliding: Rope(type: "default", theta: 10_000, partialRotaryFactor: 1, factor: 1),
    .full: Rope(type: "proportional", theta: 1_000_000, partialRotaryFactor: 0.25, factor: 1),
  ]
  /// End-of-sequence ids (`eos_token_id`, an integer or a list).
  public var eosTokenIDs: [Int] = [1]
  /// `pad_token_id`.
  public var padTokenID: Int? = 0
  /// `bos_token_id`.
  public var bosTokenID: Int? = 2
  /// Tokens per canvas (`canvas_length`, top level).
  public var canvasLength = 256
  /// `image_token_id` (top level): prompts holding it need the vision tower Unmask ignores.
  public var imageTokenID: Int? = 258_880

  /// Layers.
  public var layers: Int { layerKinds.count }

  /// Reads config.json; every refusal names the field.
  public init(configJSON: Data, path: String) throws {
    let check = ConfigChecks(path: path)
    guard let root = JSONValue.parse(configJSON), root.members != nil else {
      throw check.refuse("config.json", "not a JSON object")
    }
    guard let text = root["text_config"], text.members != nil else {
      throw check.refuse("text_config", "missing (DiffusionGemma keeps its network there)")
    }
    func int(_ key: String, _ value: inout Int) throws {
      guard let field = text[key], field != .null else { return }
      guard let number = field.intValue else { throw check.refuse(key, "must be an integer") }
      value = number
    }
    func double(_ key: String) throws -> Double? {
      guard let field = text[key], field != .null else { return nil }
      guard let number = field.doubleValue else { throw check.refuse(key, "must be a number") }
      return number
    }
    try int("vocab_size", &vocabularySize)
    try int("hidden_size", &hiddenSize)
    try int("intermediate_size", &intermediateSize)
    var layerCount = 30
    try int("num_hidden_layers", &layerCount)
    try int("num_attention_heads", &heads)
    try int("num_key_value_heads", &kvHeads)
    try int("head_dim", &headDimension)
    try int("sliding_window", &slidingWindow)
    try int("num_experts", &experts)
    try int("top_k_experts", &topK)
    try int("moe_intermediate_size", &expertWidth)
    rmsNormEpsilon = try double("rms_norm_eps") ?? rmsNormEpsilon
    if let field = text["final_logit_softcapping"] {
      finalLogitSoftcap = field == .null ? nil : try double("final_logit_softcapping")
    }
    activation = text["hidden_activation"]?.stringValue ?? activation
    attentionBias = text["attention_bias"]?.boolValue ?? false
    bidirectionalAttention = text["use_bidirectional_attention"]?.stringValue
    tiedEmbeddings =
      root["tie_word_embeddings"]?.boolValue ?? text["tie_word_embeddings"]?.boolValue ?? true
    if let ids = text["eos_token_id"] {
      if let one = ids.intValue {
        eosTokenIDs = [one]
      } else if let list = ids.arrayValue {
        eosTokenIDs = list.compactMap(\.intValue)
      } else if ids == .null {
        eosTokenIDs = []
      }
    }
    if let pad = text["pad_token_id"] { padTokenID = pad.intValue }
    if let bos = text["bos_token_id"] { bosTokenID = bos.intValue }
    if let canvas = root["canvas_length"]?.intValue { canvasLength = canvas }
    if let image = root["image_token_id"] { imageTokenID = image.intValue }

    try check.positive([
      "vocab_size": vocabularySize, "hidden_size": hiddenSize,
      "intermediate_size": intermediateSize, "num_hidden_layers": layerCount,
      "num_attention_heads": heads, "num_key_value_heads": kvHeads, "head_dim": headDimension,
      "sliding_window": slidingWindow, "num_experts": experts, "top_k_experts": topK,
      "moe_intermediate_size": expertWidth, "canvas_length": canvasLength,
    ])
    // The reference's cache keeps `keys[-sliding_window + 1:]`: with a window of 1 that is
    // `[0:]`, every prompt position, not none. A one-position window is no local attention.
    guard slidingWindow >= 2 else {
      throw check.refuse("sliding_window", "\(slidingWindow) must be at least 2")
    }
    guard topK <= experts else {
      throw check.refuse("top_k_experts", "\(topK) must be in 1...num_experts (\(experts))")
    }
    guard activation == "gelu_pytorch_tanh" else {
      throw check.refuse(
        "hidden_activation", "'\(activation)' is not supported (gelu_pytorch_tanh)")
    }
    guard !attentionBias else {
      throw check.refuse("attention_bias", "true is not supported (DiffusionGemma has none)")
    }
    guard tiedEmbeddings else {
      throw check.refuse(
        "tie_word_embeddings",
        "false (an encoder with its own weights and an untied head) is not supported; DiffusionGemma ties them"
      )
    }
    if bidirectionalAttention == "all" {
      throw check.refuse(
        "use_bidirectional_attention",
        "'all' (a bidirectional prompt encoder) is not supported; DiffusionGemma's is causal")
    }

    // layer_types: absent means 5 sliding to 1 full; the last layer is forced to full.
    if let types = text["layer_types"]?.arrayValue {
      guard types.count == layerCount else {
        throw check.refuse("layer_types", "\(types.count) entries for \(layerCount) layers")
      }
      layerKinds = try types.map { value in
        guard let name = value.stringValue, let kind = LayerKind(rawValue: name) else {
          throw check.refuse("layer_types", "'\(value)' is not sliding_attention or full_attention")
        }
        return kind
      }
    } else {
      layerKinds = (0..<layerCount).map { ($0 + 1) % 6 == 0 ? .full : .sliding }
    }
    layerKinds[layerCount - 1] = .full

    // Full layers' head width and key/value heads.
    layerGeometry = Array(repeating: (headDimension, kvHeads), count: layerCount)
    if let perLayer = text["per_layer_config"], perLayer != .null {
      guard let members = perLayer.members else {
        throw check.refuse("per_layer_config", "must be an object keyed by layer index")
      }
      for member in members {
        guard let layer = Int(member.key), (0..<layerCount).contains(layer) else {
          throw check.refuse("per_layer_config", "'\(member.key)' is not a layer index")
        }
        if let d = member.value["head_dim"]?.intValue { layerGeometry[layer].headDimension = d }
        if let kv = member.value["num_key_value_heads"]?.intValue {
          layerGeometry[layer].kvHeads = kv
        }
      }
    } else {
      var global = 512
      try int("global_head_dim", &global)
      var globalKV: Int? = nil
      if let field = text["num_global_key_value_heads"], field != .null {
        globalKV = field.intValue
      }
      for layer in 0..<layerCount where layerKinds[layer] == .full {
        layerGeometry[layer] = (global, globalKV ?? kvHeads)
      }
    }
    for (layer, geometry) in layerGeometry.enumerated() {
      guard geometry.headDimension > 0, geometry.headDimension % 2 == 0, geometry.kvHeads > 0,
        heads % geometry.kvHeads == 0
      else {
        throw check.refuse(
          "per_layer_config",
          "layer \(layer): head_dim \(geometry.headDimension) must be even and "
            + "num_key_value_heads \(geometry.kvHeads) must divide num_attention_heads \(heads)")
      }
    }

    if let rope = text["rope_parameters"], rope != .null {
      for kind in [LayerKind.sliding, .full] {
        // Once `rope_parameters` is written, the reference reads an entry for every layer
        // kind it has (a KeyError otherwise); no default stands in for a missing one.
        guard let entry = rope[kind.rawValue], entry != .null else {
          guard !layerKinds.contains(kind) else {
            throw check.refuse("rope_parameters", "has no entry for \(kind.rawValue) layers")
          }
          continue
        }
        let type = entry["rope_type"]?.stringValue ?? "default"
        guard type == "default" || type == "proportional" else {
          throw check.refuse(
            "rope_parameters", "\(kind.rawValue): rope_type '\(type)' is not supported")
        }
        guard let theta = entry["rope_theta"]?.doubleValue, theta > 0 else {
          throw check.refuse("rope_parameters", "\(kind.rawValue): needs a positive rope_theta")
        }
        let partial = entry["partial_rotary_factor"]?.doubleValue ?? 1
        // The default RoPE turns the whole head there (its tables do not fit a part of it).
        guard type == "proportional" || partial == 1 else {
          throw check.refuse(
            "rope_parameters",
            "\(kind.rawValue): partial_rotary_factor \(partial) needs rope_type 'proportional'")
        }
        ropes[kind] = Rope(
          type: type, theta: theta, partialRotaryFactor: partial,
          factor: entry["factor"]?.doubleValue ?? 1)
      }
    }
  }
}
