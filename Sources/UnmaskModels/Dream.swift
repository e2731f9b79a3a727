import Foundation
import UnmaskCore
import UnmaskKernels

// Dream (HKUNLP, 2025), as in `modeling_dream.py` (NVlabs/Fast-dLLM carries a copy): the Qwen2
// layout — RMSNorm, rotate-half RoPE, grouped-query attention with q/k/v biases, SwiGLU MLP —
// with attention made non-causal. What differs from LLaDA: Dream was trained to predict the
// token at position i from output row i-1 (it keeps the autoregressive shift), so generation
// reads `cat([logits[:, :1], logits[:, :-1]])`. This model applies that shift in `logits(for:)`
// so the sampler never has to know; `rawLogits(for:)` gives the unshifted rows.

/// Dream's `config.json` (Qwen2 field names), with the reference's defaults for missing keys.
public struct DreamConfiguration: Decodable, Sendable {
  /// Model width (`hidden_size`).
  public var hiddenSize: Int
  /// MLP width (`intermediate_size`).
  public var intermediateSize: Int
  /// Blocks.
  public var numHiddenLayers: Int
  /// Query heads.
  public var numAttentionHeads: Int
  /// Key/value heads (absent: 32, the class's default; `null`: the query heads).
  public var numKeyValueHeads: Int?
  /// Epsilon of the RMS norms.
  public var rmsNormEps: Double
  /// RoPE base `θ`.
  public var ropeTheta: Double
  /// Rows of the embedding and head.
  public var vocabSize: Int
  /// Output head reuses the embedding.
  public var tieWordEmbeddings: Bool
  /// MLP activation (only `silu`).
  public var hiddenAct: String
  /// The `[MASK]` id diffusion starts from.
  public var maskTokenID: Int?
  /// End-of-sequence id.
  public var eosTokenID: Int?
  /// Padding id.
  public var padTokenID: Int?
  /// Beginning-of-sequence id.
  public var bosTokenID: Int?
  /// A RoPE scaling other than the default, from `rope_scaling` or `rope_parameters` (refused).
  public var ropeScaling: HuggingFaceRoPE.Scaling?

  enum CodingKeys: String, CodingKey {
    case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case numKeyValueHeads = "num_key_value_heads", rmsNormEps = "rms_norm_eps"
    case ropeTheta = "rope_theta", vocabSize = "vocab_size"
    case tieWordEmbeddings = "tie_word_embeddings", hiddenAct = "hidden_act"
    case maskTokenID = "mask_token_id", eosTokenID = "eos_token_id", padTokenID = "pad_token_id"
    case bosTokenID = "bos_token_id", ropeScaling = "rope_scaling"
    case ropeParameters = "rope_parameters"
  }

  /// Decodes with `configuration_dream.py`'s defaults for absent keys.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 4096
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 22_016
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 32
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 32
    // Absent: 32 (`configuration_dream.py`'s default); `null`: the query heads.
    numKeyValueHeads = try c.decodeNullable(Int.self, forKey: .numKeyValueHeads, absent: 32)
    rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-6
    let rope = try c.decodeRoPE(
      theta: .ropeTheta, scaling: .ropeScaling, parameters: .ropeParameters)
    ropeTheta = rope.theta ?? 10_000
    ropeScaling = rope.unsupportedScaling
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 151_936
    tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
    hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
    maskTokenID = try c.decodeIfPresent(Int.self, forKey: .maskTokenID)
    eosTokenID = try c.decodeTokenID(forKey: .eosTokenID)
    padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
    bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
  }

  /// Key/value heads (`num_key_value_heads`, `null` meaning the query heads).
  public var kvHeads: Int { numKeyValueHeads ?? numAttentionHeads }
}

/// A Dream checkpoint ready to predict masked tokens.
public final class DreamModel: TransformerStackModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["Dream"]
  /// The decoded config.
  public let configuration: DreamConfiguration
  /// The network.
  public let stack: TransformerStack

  /// Human-readable architecture name.
  public var architecture: String { "Dream" }
  /// The `[MASK]` id from config.json.
  public var maskTokenID: Int32? { configuration.maskTokenID.map(Int32.init) }
  /// The end-of-sequence id from config.json.
  public var eosTokenID: Int32? { configuration.eosTokenID.map(Int32.init) }

  /// Position `i` reads raw row `i - 1` (`generation_utils.py`: `torch.cat([logits[:, :1],
  /// logits[:, :-1]], dim=1)`); `rawLogits(for:)` gives the unshifted rows.
  public var logitShift: LogitShift { .previousRow }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(DreamConfiguration.self, from: configJSON, path: configPath)
    func refuse(_ field: String, _ problem: String) -> ModelError {
      .invalidConfig(path: configPath, field: field, problem: problem)
    }
    let d = config.hiddenSize
    guard d > 0, config.numAttentionHeads > 0, d % config.numAttentionHeads == 0 else {
      throw refuse("num_attention_heads", "hidden_size \(d) must be a positive multiple of it")
    }
    guard config.kvHeads > 0, config.numAttentionHeads % config.kvHeads == 0 else {
      throw refuse("num_key_value_heads", "num_attention_heads must be a multiple of it")
    }
    guard (d / config.numAttentionHeads) % 2 == 0 else {
      throw refuse("num_attention_heads", "head dimension must be even for RoPE")
    }
    let check = ConfigChecks(path: configPath)
    try check.silu(config.hiddenAct)
    try check.defaultRoPE(config.ropeScaling)
    guard config.numHiddenLayers > 0, config.intermediateSize > 0, config.vocabSize > 0 else {
      throw refuse("num_hidden_layers", "sizes must be positive")
    }
    configuration = config
    let headDimension = d / config.numAttentionHeads
    let shape = AttentionShape(
      heads: config.numAttentionHeads, kvHeads: config.kvHeads, headDimension: headDimension)
    let eps = Float(config.rmsNormEps)
    let m = config.intermediateSize

    let embedding = try weights.embeddingTable(
      "model.embed_tokens.weight", rows: config.vocabSize, model: d,
      tied: config.tieWordEmbeddings)
    var blocks: [TransformerBlock] = []
    for i in 0..<config.numHiddenLayers {
      let p = "model.layers.\(i)"
      let attention = SelfAttention(
        projection: try weights.separateQKV("\(p).self_attn", model: d, shape: shape, bias: true),
        output: try weights.linear("\(p).self_attn.o_proj", out: d, in: d, bias: false),
        shape: shape)
      let mlp = try SwiGLUFeedForward(
        gate: try weights.linear("\(p).mlp.gate_proj", out: m, in: d, bias: false),
        up: try weights.linear("\(p).mlp.up_proj", out: m, in: d, bias: false),
        down: try weights.linear("\(p).mlp.down_proj", out: d, in: m, bias: false))
      blocks.append(
        try weights.preNormBlock(p, model: d, epsilon: eps, attention: attention, feedForward: mlp))
    }
    stack = try weights.huggingFaceStack(
      embedding: embedding, blocks: blocks, epsilon: eps, tied: config.tieWordEmbeddings,
      attention: shape, ropeTheta: config.ropeTheta)
  }
}
