import Foundation
import UnmaskCore
import UnmaskKernels

// LLaDA (Nie et al., 2025), as in GSAI-ML's `modeling_llada.py` (NVlabs/Fast-dLLM carries a
// copy): an OLMo-derived bidirectional transformer with `block_type: llama` blocks, RMSNorm,
// rotate-half RoPE, SwiGLU written as `act(ff_proj(x)) * up_proj(x)` then `ff_out`, optional
// grouped-query attention and biases, and an output head `model.transformer.ff_out` unless
// `weight_tying` reuses the embedding. Logits need no shift: row i predicts position i.
// What is not supported is refused at load (alibi, non-RMS norms, q/k layer norms, other blocks).

/// LLaDA's `config.json`, with the reference's defaults for missing keys.
public struct LLaDAConfiguration: Decodable, Sendable {
  /// Model width (`d_model`).
  public var dModel: Int
  /// Query heads (`n_heads`).
  public var nHeads: Int
  /// Key/value heads (`n_kv_heads`); nil means derived, see `effectiveKVHeads`.
  public var nKVHeads: Int?
  /// Blocks (`n_layers`).
  public var nLayers: Int
  /// MLP width as a multiple of `d_model` when `mlp_hidden_size` is absent.
  public var mlpRatio: Int
  /// MLP width (`mlp_hidden_size`).
  public var mlpHiddenSize: Int?
  /// MLP activation (`activation_type`; only `silu` with llama blocks).
  public var activationType: String
  /// Block layout (`block_type`; only `llama`).
  public var blockType: String
  /// ALiBi attention bias (unsupported; refused).
  public var alibi: Bool
  /// Rotary embeddings on (required).
  public var rope: Bool
  /// RoPE base `θ` (`rope_theta`).
  public var ropeTheta: Double
  /// q/k layer norms (unsupported; refused).
  public var attentionLayerNorm: Bool
  /// Legacy multi-query flag (one key/value head).
  public var multiQueryAttention: Bool?
  /// Scale embeddings by sqrt(d_model) before the first block.
  public var inputEmbNorm: Bool
  /// Norm kind (`layer_norm_type`; only `rms`).
  public var layerNormType: String
  /// Norms carry a weight.
  public var layerNormWithAffine: Bool
  /// Epsilon of the RMS norms.
  public var rmsNormEps: Double
  /// Biases on q/k/v projections.
  public var includeQKVBias: Bool
  /// Biases on every linear layer.
  public var includeBias: Bool
  /// Norms carry a bias (nil: same as `include_bias`).
  public var biasForLayerNorm: Bool?
  /// Multiply logits by 1/sqrt(d_model).
  public var scaleLogits: Bool
  /// Tokenizer vocabulary (`vocab_size`).
  public var vocabSize: Int
  /// Rows of the embedding and head (`embedding_size`, may pad `vocab_size`; absent: 50,304,
  /// the reference's default; `null`: `vocab_size`).
  public var embeddingSize: Int?
  /// Blocks per parent block (`block_group_size`; only 1: other values rename the weights).
  public var blockGroupSize: Int
  /// Output head reuses the embedding.
  public var weightTying: Bool
  /// End-of-sequence id.
  public var eosTokenID: Int?
  /// Padding id.
  public var padTokenID: Int?
  /// The `[MASK]` id diffusion starts from.
  public var maskTokenID: Int?

  enum CodingKeys: String, CodingKey {
    case dModel = "d_model", nHeads = "n_heads", nKVHeads = "n_kv_heads", nLayers = "n_layers"
    case mlpRatio = "mlp_ratio", mlpHiddenSize = "mlp_hidden_size"
    case activationType = "activation_type", blockType = "block_type", alibi, rope
    case ropeTheta = "rope_theta", attentionLayerNorm = "attention_layer_norm"
    case multiQueryAttention = "multi_query_attention", inputEmbNorm = "input_emb_norm"
    case layerNormType = "layer_norm_type", layerNormWithAffine = "layer_norm_with_affine"
    case rmsNormEps = "rms_norm_eps", includeQKVBias = "include_qkv_bias"
    case includeBias = "include_bias", biasForLayerNorm = "bias_for_layer_norm"
    case scaleLogits = "scale_logits", vocabSize = "vocab_size", embeddingSize = "embedding_size"
    case weightTying = "weight_tying", eosTokenID = "eos_token_id", padTokenID = "pad_token_id"
    case maskTokenID = "mask_token_id", blockGroupSize = "block_group_size"
  }

  /// Decodes with `configuration_llada.py`'s defaults for absent keys.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    dModel = try c.decodeIfPresent(Int.self, forKey: .dModel) ?? 768
    nHeads = try c.decodeIfPresent(Int.self, forKey: .nHeads) ?? 12
    nKVHeads = try c.decodeIfPresent(Int.self, forKey: .nKVHeads)
    nLayers = try c.decodeIfPresent(Int.self, forKey: .nLayers) ?? 12
    mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? 4
    mlpHiddenSize = try c.decodeIfPresent(Int.self, forKey: .mlpHiddenSize)
    activationType = try c.decodeIfPresent(String.self, forKey: .activationType) ?? "swiglu"
    blockType = try c.decodeIfPresent(String.self, forKey: .blockType) ?? "sequential"
    alibi = try c.decodeIfPresent(Bool.self, forKey: .alibi) ?? false
    rope = try c.decodeIfPresent(Bool.self, forKey: .rope) ?? false
    ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? 10_000
    attentionLayerNorm = try c.decodeIfPresent(Bool.self, forKey: .attentionLayerNorm) ?? false
    multiQueryAttention = try c.decodeIfPresent(Bool.self, forKey: .multiQueryAttention)
    inputEmbNorm = try c.decodeIfPresent(Bool.self, forKey: .inputEmbNorm) ?? false
    layerNormType = try c.decodeIfPresent(String.self, forKey: .layerNormType) ?? "default"
    layerNormWithAffine = try c.decodeIfPresent(Bool.self, forKey: .layerNormWithAffine) ?? true
    rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-5
    includeQKVBias = try c.decodeIfPresent(Bool.self, forKey: .includeQKVBias) ?? false
    includeBias = try c.decodeIfPresent(Bool.self, forKey: .includeBias) ?? false
    biasForLayerNorm = try c.decodeIfPresent(Bool.self, forKey: .biasForLayerNorm)
    scaleLogits = try c.decodeIfPresent(Bool.self, forKey: .scaleLogits) ?? false
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 50_257
    embeddingSize = try c.decodeNullable(Int.self, forKey: .embeddingSize, absent: 50_304)
    blockGroupSize = try c.decodeIfPresent(Int.self, forKey: .blockGroupSize) ?? 1
    weightTying = try c.decodeIfPresent(Bool.self, forKey: .weightTying) ?? true
    eosTokenID = try c.decodeTokenID(forKey: .eosTokenID)
    padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
    maskTokenID = try c.decodeIfPresent(Int.self, forKey: .maskTokenID)
  }

  /// Key/value heads as the reference derives them (`effective_n_kv_heads`).
  public var effectiveKVHeads: Int {
    nKVHeads ?? (multiQueryAttention == true ? 1 : nHeads)
  }
  /// MLP width (`mlp_hidden_size` or `mlp_ratio · d_model`).
  public var mlpWidth: Int { mlpHiddenSize ?? mlpRatio * dModel }
  /// Rows of the embedding and head (`embedding_size` or `vocab_size`).
  public var embeddingRows: Int { embeddingSize ?? vocabSize }
}

/// A LLaDA checkpoint ready to predict masked tokens.
public final class LLaDAModel: TransformerStackModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["llada"]
  /// The decoded config.
  public let configuration: LLaDAConfiguration
  /// The network.
  public let stack: TransformerStack

  /// Human-readable architecture name.
  public var architecture: String { "LLaDA" }
  /// The `[MASK]` id from config.json.
  public var maskTokenID: Int32? { configuration.maskTokenID.map(Int32.init) }
  /// The end-of-sequence id from config.json.
  public var eosTokenID: Int32? { configuration.eosTokenID.map(Int32.init) }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(LLaDAConfiguration.self, from: configJSON, path: configPath)
    try Self.validate(config, path: configPath)
    configuration = config

    let d = config.dModel
    let headDimension = d / config.nHeads
    let shape = AttentionShape(
      heads: config.nHeads, kvHeads: config.effectiveKVHeads, headDimension: headDimension)
    let eps = Float(config.rmsNormEps)
    let normBias = config.biasForLayerNorm ?? config.includeBias
    let qkvBias = config.includeBias || config.includeQKVBias
    let kvWidth = shape.kvHeads * headDimension

    // Read by rows only, unless the head reuses it.
    let embeddingName = "model.transformer.wte.weight"
    let embedding =
      config.weightTying
      ? try weights.tiedTable(embeddingName, shape: [config.embeddingRows, d])
      : try weights.rowTable(embeddingName, shape: [config.embeddingRows, d])
    var blocks: [TransformerBlock] = []
    for i in 0..<config.nLayers {
      let p = "model.transformer.blocks.\(i)"
      func norm(_ name: String) throws -> RMSNorm {
        try weights.rmsNorm(
          "\(p).\(name)", dimension: d, epsilon: eps, affine: config.layerNormWithAffine,
          bias: normBias && config.layerNormWithAffine)
      }
      let attention = SelfAttention(
        projection: .separate(
          query: try weights.linear("\(p).q_proj", out: d, in: d, bias: qkvBias),
          key: try weights.linear("\(p).k_proj", out: kvWidth, in: d, bias: qkvBias),
          value: try weights.linear("\(p).v_proj", out: kvWidth, in: d, bias: qkvBias)),
        output: try weights.linear("\(p).attn_out", out: d, in: d, bias: config.includeBias),
        shape: shape)
      let mlp = try SwiGLUFeedForward(
        gate: try weights.linear(
          "\(p).ff_proj", out: config.mlpWidth, in: d, bias: config.includeBias),
        up: try weights.linear(
          "\(p).up_proj", out: config.mlpWidth, in: d, bias: config.includeBias),
        down: try weights.linear(
          "\(p).ff_out", out: d, in: config.mlpWidth, bias: config.includeBias))
      blocks.append(
        TransformerBlock(
          attentionNorm: try norm("attn_norm"), attention: attention,
          feedForwardNorm: try norm("ff_norm"), feedForward: mlp))
    }
    let finalNorm = try weights.rmsNorm(
      "model.transformer.ln_f", dimension: d, epsilon: eps, affine: config.layerNormWithAffine,
      bias: normBias && config.layerNormWithAffine)
    if config.weightTying {
      weights.readPastTiedHead("model.transformer.ff_out.weight")
      weights.readPastTiedHead("model.transformer.ff_out.bias")
    }
    let head =
      config.weightTying
      ? try Linear(weight: embedding)
      : try weights.linear(
        "model.transformer.ff_out", out: config.embeddingRows, in: d, bias: config.includeBias)
    try weights.finish()
    stack = TransformerStack(
      embedding: embedding, blocks: blocks, finalNorm: finalNorm, head: head, attention: shape,
      rope: RotaryEmbedding(headDimension: headDimension, theta: config.ropeTheta),
      embeddingScale: config.inputEmbNorm ? Float(d).squareRoot() : 1,
      logitScale: config.scaleLogits ? 1 / Float(d).squareRoot() : 1)
  }

  /// Refuses the config variants this file does not implement, naming the field.
  private static func validate(_ c: LLaDAConfiguration, path: String) throws {
    func refuse(_ field: String, _ problem: String) -> ModelError {
      .invalidConfig(path: path, field: field, problem: problem)
    }
    guard c.blockType == "llama" else {
      throw refuse("block_type", "'\(c.blockType)' is not supported (only 'llama', as LLaDA-8B)")
    }
    guard c.layerNormType == "rms" else {
      throw refuse("layer_norm_type", "'\(c.layerNormType)' is not supported (only 'rms')")
    }
    guard c.activationType == "silu" else {
      throw refuse(
        "activation_type", "'\(c.activationType)' is not supported with llama blocks (only 'silu')")
    }
    guard c.rope else { throw refuse("rope", "LLaDA without RoPE is not supported") }
    guard !c.alibi else { throw refuse("alibi", "ALiBi is not supported") }
    guard !c.attentionLayerNorm else {
      throw refuse("attention_layer_norm", "q/k layer norms are not supported")
    }
    guard c.dModel > 0, c.nHeads > 0, c.nLayers > 0, c.dModel % c.nHeads == 0 else {
      throw refuse(
        "n_heads", "d_model \(c.dModel) must be a positive multiple of n_heads \(c.nHeads)")
    }
    guard (c.dModel / c.nHeads) % 2 == 0 else {
      throw refuse("n_heads", "head dimension must be even for RoPE")
    }
    guard c.effectiveKVHeads > 0, c.nHeads % c.effectiveKVHeads == 0 else {
      throw refuse(
        "n_kv_heads", "n_heads \(c.nHeads) must be a multiple of n_kv_heads \(c.effectiveKVHeads)")
    }
    // As `effective_n_kv_heads`, which raises on the contradiction.
    if let kv = c.nKVHeads, let multiQuery = c.multiQueryAttention,
      kv != (multiQuery ? 1 : c.nHeads)
    {
      throw refuse("multi_query_attention", "\(multiQuery) contradicts n_kv_heads \(kv)")
    }
    guard c.mlpWidth > 0, c.embeddingRows > 0 else {
      throw refuse("mlp_hidden_size", "sizes must be positive")
    }
    guard c.embeddingRows >= c.vocabSize else {
      throw refuse(
        "embedding_size", "\(c.embeddingRows) must be at least vocab_size \(c.vocabSize)")
    }
    guard c.blockGroupSize == 1 else {
      throw refuse(
        "block_group_size", "\(c.blockGroupSize) is not supported (only 1: blocks are not grouped)")
    }
  }
}
