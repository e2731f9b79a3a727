import Foundation
import UnmaskCore
import UnmaskKernels

// The Qwen2 / Qwen3 decoder layout that SDAR, Fast-dLLM v2 and dllm's a2d-qwen3 checkpoints
// share: RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU MLP, Hugging Face tensor
// names (`model.layers.{i}.self_attn.q_proj`, ...). The families differ only in what this file
// takes as arguments: Qwen3 (SDAR, a2d-qwen3) norms each query and key head with a shared
// `[head_dim]` RMS weight before RoPE and reads `head_dim` from the config (it need not be
// hidden_size / heads); Qwen2 (Fast-dLLM v2) biases q, k and v and has no q/k norm. The
// attention mask and the logit shift are the architecture files' business.

/// The config.json fields of transformers' `Qwen2Config` / `Qwen3Config` (and SDAR's
/// `SDARConfig`, a copy of Qwen3's, Fast-dLLM v2's `Fast_dLLM_QwenConfig`, Qwen2's plus
/// `bd_size`) that the forward pass reads, with their defaults for missing keys (the classes
/// agree on every default this file uses; `head_dim` and the block sizes are left to the
/// family, since Qwen3 defaults `head_dim` to 128 and Qwen2 derives it).
public struct QwenConfiguration: Decodable, Sendable {
  /// Model width (`hidden_size`).
  public var hiddenSize: Int
  /// MLP width (`intermediate_size`).
  public var intermediateSize: Int
  /// Blocks.
  public var numHiddenLayers: Int
  /// Query heads.
  public var numAttentionHeads: Int
  /// Key/value heads (`null`: same as query heads).
  public var numKeyValueHeads: Int?
  /// Per-head width (`head_dim`); absent: the family's default (see the architecture files).
  public var headDim: Int?
  /// Epsilon of every RMS norm, the q/k norms included.
  public var rmsNormEps: Double
  /// RoPE base `θ`.
  public var ropeTheta: Double
  /// Rows of the embedding and head.
  public var vocabSize: Int
  /// Output head reuses the embedding.
  public var tieWordEmbeddings: Bool
  /// MLP activation (only `silu`).
  public var hiddenAct: String
  /// Biases on q/k/v/o (Qwen3 and SDAR; Qwen2 ignores it: q/k/v always, o never).
  public var attentionBias: Bool
  /// Sliding-window attention (only `false`).
  public var useSlidingWindow: Bool
  /// Per-layer attention kinds of transformers ≥ 4.53 (only `full_attention`).
  public var layerTypes: [String]?
  /// A RoPE scaling other than the default, from `rope_scaling` or `rope_parameters` (refused).
  public var ropeScaling: HuggingFaceRoPE.Scaling?
  /// The `[MASK]` id, when config.json names one (SDAR does).
  public var maskTokenID: Int?
  /// End-of-sequence id (an int, or the first of a list).
  public var eosTokenID: Int?
  /// Beginning-of-sequence id.
  public var bosTokenID: Int?
  /// Padding id.
  public var padTokenID: Int?
  /// SDAR: the block length the checkpoint was trained with (`block_size`).
  public var blockSize: Int?
  /// Fast-dLLM v2: the block length of training and of the sampler's default (`bd_size`).
  public var bdSize: Int?

  enum CodingKeys: String, CodingKey {
    case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim"
    case rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta", vocabSize = "vocab_size"
    case tieWordEmbeddings = "tie_word_embeddings", hiddenAct = "hidden_act"
    case attentionBias = "attention_bias", useSlidingWindow = "use_sliding_window"
    case layerTypes = "layer_types", ropeScaling = "rope_scaling"
    case ropeParameters = "rope_parameters"
    case maskTokenID = "mask_token_id", eosTokenID = "eos_token_id", bosTokenID = "bos_token_id"
    case padTokenID = "pad_token_id", blockSize = "block_size", bdSize = "bd_size"
  }

  /// Decodes with transformers' `Qwen3Config` / `Qwen2Config` defaults for absent keys.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 4096
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 22_016
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 32
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 32
    // Absent: 32 (the classes' default); `null`: the query heads (their `if ... is None`).
    numKeyValueHeads =
      c.contains(.numKeyValueHeads)
      ? try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) : 32
    headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
    rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-6
    let rope = try c.decodeRoPE(
      theta: .ropeTheta, scaling: .ropeScaling, parameters: .ropeParameters)
    ropeTheta = rope.theta ?? 10_000
    ropeScaling = rope.unsupportedScaling
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 151_936
    tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
    hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
    attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
    useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) ?? false
    layerTypes = try c.decodeIfPresent([String].self, forKey: .layerTypes)
    maskTokenID = try c.decodeIfPresent(Int.self, forKey: .maskTokenID)
    // Qwen checkpoints write one id here, generation_config.json a list; take either.
    eosTokenID = try c.decodeTokenID(forKey: .eosTokenID)
    bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
    padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
    blockSize = try c.decodeIfPresent(Int.self, forKey: .blockSize)
    bdSize = try c.decodeIfPresent(Int.self, forKey: .bdSize)
  }

  /// Key/value heads (`num_key_value_heads`, `null` meaning the query heads).
  public var kvHeads: Int { numKeyValueHeads ?? numAttentionHeads }
}

/// An architecture of the Qwen layout: its config holds the special ids.
public protocol QwenLayoutModel: TransformerStackModel {
  /// The decoded config.
  var configuration: QwenConfiguration { get }
}

extension QwenLayoutModel {
  /// The `[MASK]` id from config.json, if it names one.
  public var maskTokenID: Int32? { configuration.maskTokenID.map(Int32.init) }
  /// The end-of-sequence id from config.json.
  public var eosTokenID: Int32? { configuration.eosTokenID.map(Int32.init) }
}

/// What distinguishes one Qwen-layout family's blocks from another's.
struct QwenBlockOptions {
  /// Per-head width: `head_dim`, or the family's default when absent.
  var headDimension: Int
  /// Qwen3's `q_norm` / `k_norm` (`[head_dim]`, shared by the heads, before RoPE).
  var queryKeyNorm: Bool
  /// Biases on `q_proj`, `k_proj`, `v_proj`.
  var qkvBias: Bool
  /// Bias on `o_proj`.
  var outputBias: Bool
}

extension TransformerStack {
  /// The Qwen-layout network of `config`, read strictly from `weights` (ends with
  /// `weights.finish()`). Refuses, naming the field, what the layout does not implement.
  static func qwen(
    _ config: QwenConfiguration, options: QwenBlockOptions, weights: WeightLoader, path: String
  ) throws -> TransformerStack {
    try config.validate(headDimension: options.headDimension, path: path)
    let d = config.hiddenSize
    let m = config.intermediateSize
    let headDimension = options.headDimension
    let shape = AttentionShape(
      heads: config.numAttentionHeads, kvHeads: config.kvHeads, headDimension: headDimension)
    let qWidth = shape.heads * headDimension
    let kvWidth = shape.kvHeads * headDimension
    let eps = Float(config.rmsNormEps)

    // Read by rows only, unless the head reuses it.
    let embeddingName = "model.embed_tokens.weight"
    let embedding =
      config.tieWordEmbeddings
      ? try weights.tiedTable(embeddingName, shape: [config.vocabSize, d])
      : try weights.rowTable(embeddingName, shape: [config.vocabSize, d])
    var blocks: [TransformerBlock] = []
    for i in 0..<config.numHiddenLayers {
      let p = "model.layers.\(i)"
      func norm(_ name: String) throws -> QKNorm? {
        guard options.queryKeyNorm else { return nil }
        return try weights.qkNorm(
          "\(p).self_attn.\(name)", heads: name == "q_norm" ? shape.heads : shape.kvHeads,
          headDimension: headDimension, scope: .perHead, epsilon: eps)
      }
      let bias = options.qkvBias
      let attention = SelfAttention(
        projection: .separate(
          query: try weights.linear("\(p).self_attn.q_proj", out: qWidth, in: d, bias: bias),
          key: try weights.linear("\(p).self_attn.k_proj", out: kvWidth, in: d, bias: bias),
          value: try weights.linear("\(p).self_attn.v_proj", out: kvWidth, in: d, bias: bias)),
        output: try weights.linear(
          "\(p).self_attn.o_proj", out: d, in: qWidth, bias: options.outputBias),
        shape: shape, queryNorm: try norm("q_norm"), keyNorm: try norm("k_norm"))
      blocks.append(
        TransformerBlock(
          attentionNorm: try weights.rmsNorm("\(p).input_layernorm", dimension: d, epsilon: eps),
          attention: attention,
          feedForwardNorm: try weights.rmsNorm(
            "\(p).post_attention_layernorm", dimension: d, epsilon: eps),
          feedForward: try weights.swiGLU("\(p).mlp", model: d, hidden: m)))
    }
    let finalNorm = try weights.rmsNorm("model.norm", dimension: d, epsilon: eps)
    let head: Linear
    if config.tieWordEmbeddings {
      weights.readPastTiedHead("lm_head.weight")
      head = try Linear(weight: embedding)
    } else {
      head = try weights.linear("lm_head", out: config.vocabSize, in: d, bias: false)
    }
    try weights.finish()
    return TransformerStack(
      embedding: embedding, blocks: blocks, finalNorm: finalNorm, head: head, attention: shape,
      rope: RotaryEmbedding(headDimension: headDimension, theta: config.ropeTheta))
  }
}

extension QwenConfiguration {
  /// Refuses the variants the Qwen layout here does not implement, naming the field.
  func validate(headDimension: Int, path: String) throws {
    func refuse(_ field: String, _ problem: String) -> ModelError {
      .invalidConfig(path: path, field: field, problem: problem)
    }
    guard hiddenSize > 0, numHiddenLayers > 0, intermediateSize > 0, vocabSize > 0 else {
      throw refuse("hidden_size", "sizes must be positive")
    }
    guard numAttentionHeads > 0, kvHeads > 0, numAttentionHeads % kvHeads == 0 else {
      throw refuse(
        "num_key_value_heads",
        "num_attention_heads \(numAttentionHeads) must be a positive multiple of \(kvHeads)")
    }
    guard headDimension > 0, headDimension % 2 == 0 else {
      throw refuse("head_dim", "\(headDimension) must be positive and even for RoPE")
    }
    let check = ConfigChecks(path: path)
    try check.silu(hiddenAct)
    try check.defaultRoPE(ropeScaling)
    guard !useSlidingWindow else {
      throw refuse("use_sliding_window", "sliding-window attention is not supported")
    }
    if let kind = layerTypes?.first(where: { $0 != "full_attention" }) {
      throw refuse("layer_types", "'\(kind)' is not supported (only 'full_attention')")
    }
  }
}
