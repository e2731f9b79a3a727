import Foundation
import UnmaskCore
import UnmaskKernels

// LLaDA-MoE (inclusionAI's LLaDA-MoE-7B-A1B), as in ZHZisZZ/dllm's
// `dllm/pipelines/llada/models/modeling_lladamoe.py` (`LLaDAMoEModelLM`, an OLMoE-derived
// bidirectional transformer; llama.cpp's `llada-moe` cross-checks the shapes). Hugging Face
// names (`model.layers.{i}.self_attn.q_proj`, `mlp.experts.{e}.gate_proj`, `lm_head`), RMSNorm,
// rotate-half RoPE (optionally on the first `partial_rotary_factor` of each head), full
// attention, logits unshifted. What is easy to get wrong, all reproduced here:
// - QK-norm (`qk_layernorm`) is one RMSNorm weight `[head_dim]` shared by every head, applied to
//   `q_proj(x)` reshaped to `[-1, head_dim]`, before RoPE; `attention_bias` puts biases on q, k,
//   v *and* o.
// - The router (`LLaDAMoESparseMoeBlock`): `softmax(gate(x))` in float32, plus `expert_bias`
//   when `moe_router_enable_expert_bias`, then top-k; the biased values are the weights. The
//   block sets `norm_topk_prob = False`, so the config's `norm_topk_prob`,
//   `moe_router_score_function`, `routed_scaling_factor` and `router_{num,topk}_group` are read
//   by nothing and ignored here too.
// - `moe_layer_freq[i] == 0` makes layer i a dense MLP of `dense_intermediate_size`; the
//   shared expert (`shared_expert_intermediate_size` not null) sits on the layer
//   (`model.layers.{i}.shared_expert`), not in `mlp`, and only on MoE layers.
// - The published config.json says `model_type: llada`, like dense LLaDA's: the registry
//   recognises this file by `architectures: ["LLaDAMoEModelLM"]` (or, without it, by
//   `expert_intermediate_size`); dllm's copy says `lladamoe`.
// Refused at load, naming the field: `clip_qkv`, RoPE scaling (`rope_scaling`, `rope_parameters`), activations other than silu,
// and the sizes the reference itself cannot build (its defaults of -1, a missing
// `moe_layer_freq`, a shared expert of 0 features, top-k above the expert count).

/// LLaDA-MoE's `config.json`, with `configuration_lladamoe.py`'s defaults for missing keys (its
/// -1 sizes are refused by `LLaDAMoEModel`).
public struct LLaDAMoEConfiguration: Decodable, Sendable {
  /// Rows of the embedding and head.
  public var vocabSize: Int
  /// Model width.
  public var hiddenSize: Int
  /// Width of the dense layers' MLP (`moe_layer_freq[i] == 0`).
  public var denseIntermediateSize: Int
  /// Width of one routed expert.
  public var expertIntermediateSize: Int
  /// Width of the shared expert; nil (`null`) means none.
  public var sharedExpertIntermediateSize: Int?
  /// Blocks.
  public var numHiddenLayers: Int
  /// Query heads.
  public var numAttentionHeads: Int
  /// Key/value heads (nil: the query heads).
  public var numKeyValueHeads: Int?
  /// MLP activation (only `silu`).
  public var hiddenAct: String
  /// Epsilon of every RMS norm, QK-norms included.
  public var rmsNormEps: Double
  /// Output head reuses the embedding.
  public var tieWordEmbeddings: Bool
  /// RoPE base `θ`.
  public var ropeTheta: Double
  /// Fraction of each head that RoPE turns.
  public var partialRotaryFactor: Double
  /// A RoPE scaling other than the default, from `rope_scaling` or `rope_parameters` (refused
  /// naming the field).
  public var ropeScaling: HuggingFaceRoPE.Scaling?
  /// Biases on q, k, v and o.
  public var attentionBias: Bool
  /// Clamp of q, k, v (only `null`).
  public var clipQKV: Double?
  /// Experts per token (`top_k`).
  public var numExpertsPerTok: Int
  /// Routed experts per MoE layer.
  public var numExperts: Int
  /// RMS norm on q and k per head (`null` counts as false, as in Python).
  public var qkLayernorm: Bool
  /// Per layer: 0 dense, otherwise mixture of experts.
  public var moeLayerFreq: [Int]
  /// Whether MoE layers carry `mlp.expert_bias`.
  public var moeRouterEnableExpertBias: Bool
  /// `head_dim`, not a field of the class; refused when it disagrees with
  /// `hidden_size / num_attention_heads` (transformers' RoPE would read it, attention would not).
  public var headDim: Int?
  /// End-of-sequence id.
  public var eosTokenID: Int?
  /// Padding id.
  public var padTokenID: Int?
  /// The `[MASK]` id, when the config names one (the published one does not; the tokenizer's
  /// `<|mask|>` is used then).
  public var maskTokenID: Int?

  enum CodingKeys: String, CodingKey {
    case vocabSize = "vocab_size", hiddenSize = "hidden_size"
    case denseIntermediateSize = "dense_intermediate_size"
    case expertIntermediateSize = "expert_intermediate_size"
    case sharedExpertIntermediateSize = "shared_expert_intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case numKeyValueHeads = "num_key_value_heads", hiddenAct = "hidden_act"
    case rmsNormEps = "rms_norm_eps", tieWordEmbeddings = "tie_word_embeddings"
    case ropeTheta = "rope_theta", partialRotaryFactor = "partial_rotary_factor"
    case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling", attentionBias =
      "attention_bias", clipQKV = "clip_qkv"
    case numExpertsPerTok = "num_experts_per_tok", numExperts = "num_experts"
    case qkLayernorm = "qk_layernorm", moeLayerFreq = "moe_layer_freq"
    case moeRouterEnableExpertBias = "moe_router_enable_expert_bias", headDim = "head_dim"
    case eosTokenID = "eos_token_id", padTokenID = "pad_token_id", maskTokenID = "mask_token_id"
  }

  /// Decodes with `configuration_lladamoe.py`'s defaults for absent keys.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? -1
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? -1
    denseIntermediateSize = try c.decodeIfPresent(Int.self, forKey: .denseIntermediateSize) ?? -1
    expertIntermediateSize =
      try c.decodeIfPresent(Int.self, forKey: .expertIntermediateSize) ?? -1
    sharedExpertIntermediateSize = try c.decodeNullable(
      Int.self, forKey: .sharedExpertIntermediateSize, absent: -1)
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? -1
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? -1
    numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads)
    hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
    rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-5
    tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
    let rope = try c.decodeRoPE(
      theta: .ropeTheta, scaling: .ropeScaling, parameters: .ropeParameters,
      partialRotaryFactor: .partialRotaryFactor)
    ropeTheta = rope.theta ?? -1
    partialRotaryFactor = rope.partialRotaryFactor ?? -1
    ropeScaling = rope.unsupportedScaling
    attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
    clipQKV = try c.decodeIfPresent(Double.self, forKey: .clipQKV)
    numExpertsPerTok = try c.decodeIfPresent(Int.self, forKey: .numExpertsPerTok) ?? -1
    numExperts = try c.decodeIfPresent(Int.self, forKey: .numExperts) ?? -1
    qkLayernorm = try c.decodeIfPresent(Bool.self, forKey: .qkLayernorm) ?? false
    moeLayerFreq = try c.decodeIfPresent([Int].self, forKey: .moeLayerFreq) ?? []
    moeRouterEnableExpertBias =
      try c.decodeIfPresent(Bool.self, forKey: .moeRouterEnableExpertBias) ?? false
    headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
    eosTokenID = c.contains(.eosTokenID) ? try c.decodeTokenID(forKey: .eosTokenID) : 50_279
    padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID) ?? 1
    maskTokenID = try c.decodeIfPresent(Int.self, forKey: .maskTokenID)
  }

  /// Key/value heads (`num_key_value_heads`, defaulting to the query heads).
  public var kvHeads: Int { numKeyValueHeads ?? numAttentionHeads }
  /// Whether layer `i` is a mixture of experts (`moe_layer_freq[i] != 0`).
  public func isMoE(layer i: Int) -> Bool { moeLayerFreq[i] != 0 }
}

/// A LLaDA-MoE checkpoint ready to predict masked tokens.
public final class LLaDAMoEModel: TransformerStackModel {
  /// config.json `model_type` values this file reads (dllm's; the published file says `llada`).
  public static let modelTypes = ["lladamoe"]
  /// config.json `architectures` entries that identify LLaDA-MoE.
  public static let architectureNames = ["LLaDAMoEModelLM"]
  /// The decoded config.
  public let configuration: LLaDAMoEConfiguration
  /// The network.
  public let stack: TransformerStack
  /// Tokens per expert per MoE layer, from every pass (nil without experts).
  public let expertLoad: ExpertLoadMeter?

  /// `model_type: lladamoe`, or `llada` with the expert fields (a published config.json
  /// stripped of its `architectures`).
  public static func claims(_ header: ConfigHeader) -> Bool {
    header.modelType == "lladamoe"
      || (header.modelType == "llada" && header.fields.contains("expert_intermediate_size"))
  }

  /// Human-readable architecture name.
  public var architecture: String { "LLaDA-MoE" }
  /// The `[MASK]` id from config.json, if it names one.
  public var maskTokenID: Int32? { configuration.maskTokenID.map(Int32.init) }
  /// The end-of-sequence id from config.json.
  public var eosTokenID: Int32? { configuration.eosTokenID.map(Int32.init) }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(
      LLaDAMoEConfiguration.self, from: configJSON, path: configPath)
    try Self.validate(config, path: configPath)
    configuration = config

    let d = config.hiddenSize
    let headDimension = d / config.numAttentionHeads
    let shape = AttentionShape(
      heads: config.numAttentionHeads, kvHeads: config.kvHeads, headDimension: headDimension)
    let eps = Float(config.rmsNormEps)
    let bias = config.attentionBias

    let embedding = try weights.embeddingTable(
      "model.embed_tokens.weight", rows: config.vocabSize, model: d,
      tied: config.tieWordEmbeddings)
    let moeLayers = (0..<config.numHiddenLayers).filter(config.isMoE)
    let meter =
      moeLayers.isEmpty
      ? nil
      : ExpertLoadMeter(
        layers: moeLayers.count, expertCount: config.numExperts, topK: config.numExpertsPerTok)
    expertLoad = meter
    var blocks: [TransformerBlock] = []
    for i in 0..<config.numHiddenLayers {
      let p = "model.layers.\(i)"
      let attention = SelfAttention(
        projection: try weights.separateQKV("\(p).self_attn", model: d, shape: shape, bias: bias),
        output: try weights.linear("\(p).self_attn.o_proj", out: d, in: d, bias: bias),
        shape: shape,
        queryNorm: try weights.perHeadQKNorm(
          "\(p).self_attn.q_norm", heads: shape.heads, headDimension: headDimension,
          epsilon: eps, if: config.qkLayernorm),
        keyNorm: try weights.perHeadQKNorm(
          "\(p).self_attn.k_norm", heads: shape.kvHeads, headDimension: headDimension,
          epsilon: eps, if: config.qkLayernorm))
      let feedForward: any FeedForward
      if config.isMoE(layer: i) {
        let expertBias =
          config.moeRouterEnableExpertBias
          ? try weights.floats("\(p).mlp.expert_bias", count: config.numExperts) : nil
        feedForward = try weights.shapeChecked {
          try MixtureOfExperts(
            router: weights.expertRouter(
              "\(p).mlp.gate", experts: config.numExperts, model: d,
              topK: config.numExpertsPerTok, scoring: .biasedSoftmax(bias: expertBias)),
            experts: weights.experts(
              "\(p).mlp.experts", count: config.numExperts, model: d,
              hidden: config.expertIntermediateSize),
            shared: config.sharedExpertIntermediateSize.map {
              try weights.swiGLU("\(p).shared_expert", model: d, hidden: $0)
            },
            onRouting: meter.map { meter in
              let layer = moeLayers.firstIndex(of: i) ?? 0
              return { meter.record(layer: layer, $0) }
            })
        }
      } else {
        feedForward = try weights.swiGLU("\(p).mlp", model: d, hidden: config.denseIntermediateSize)
      }
      blocks.append(
        try weights.preNormBlock(
          p, model: d, epsilon: eps, attention: attention, feedForward: feedForward))
    }
    stack = try weights.huggingFaceStack(
      embedding: embedding, blocks: blocks, epsilon: eps, tied: config.tieWordEmbeddings,
      attention: shape, ropeTheta: config.ropeTheta, partialRotaryFactor: config.partialRotaryFactor
    ).labelling(meter)
  }

  /// Refuses what this file does not implement and what the reference cannot build, naming
  /// the field.
  static func validate(_ c: LLaDAMoEConfiguration, path: String) throws {
    let check = ConfigChecks(path: path)
    try check.positive([
      "vocab_size": c.vocabSize, "hidden_size": c.hiddenSize,
      "num_hidden_layers": c.numHiddenLayers, "num_attention_heads": c.numAttentionHeads,
    ])
    guard c.hiddenSize % c.numAttentionHeads == 0 else {
      throw check.refuse(
        "num_attention_heads", "hidden_size \(c.hiddenSize) must be a multiple of it")
    }
    let headDimension = c.hiddenSize / c.numAttentionHeads
    if let headDim = c.headDim, headDim != headDimension {
      throw check.refuse(
        "head_dim", "\(headDim) differs from hidden_size / num_attention_heads = \(headDimension)")
    }
    guard c.kvHeads > 0, c.numAttentionHeads % c.kvHeads == 0 else {
      throw check.refuse(
        "num_key_value_heads", "num_attention_heads must be a positive multiple of it")
    }
    try check.silu(c.hiddenAct)
    guard c.clipQKV == nil else {
      throw check.refuse("clip_qkv", "clamping q/k/v is not supported")
    }
    try check.rotary(
      theta: c.ropeTheta, scaling: c.ropeScaling, headDimension: headDimension,
      factor: c.partialRotaryFactor)
    guard c.moeLayerFreq.count >= c.numHiddenLayers else {
      throw check.refuse(
        "moe_layer_freq",
        "has \(c.moeLayerFreq.count) entries for num_hidden_layers = \(c.numHiddenLayers)")
    }
    let layers = 0..<c.numHiddenLayers
    if layers.contains(where: { !c.isMoE(layer: $0) }), c.denseIntermediateSize <= 0 {
      throw check.refuse("dense_intermediate_size", "dense layers need a positive width")
    }
    guard layers.contains(where: c.isMoE) else { return }
    guard c.numExperts > 0 else { throw check.refuse("num_experts", "must be positive") }
    guard c.expertIntermediateSize > 0 else {
      throw check.refuse("expert_intermediate_size", "must be positive")
    }
    try check.topK(c.numExpertsPerTok, experts: c.numExperts)
    if let shared = c.sharedExpertIntermediateSize, shared <= 0 {
      throw check.refuse(
        "shared_expert_intermediate_size",
        "\(shared) is not a width; write null for no shared expert")
    }
  }
}
