import Foundation
import UnmaskCore
import UnmaskKernels

// LLaDA2.0 / LLaDA2.1 (inclusionAI's LLaDA2.0-mini, LLaDA2.1-mini, the flash models), as in
// ZHZisZZ/dllm's `dllm/pipelines/llada2/models/modeling_llada2_moe.py` (`LLaDA2MoeModelLM`; 2.1
// has the same network and only a different generate()). A block-diffusion transformer in the
// Ling/BailingMoE layout: `model.word_embeddings`, a fused `attention.query_key_value`
// (optional bias) whose row is `[q heads | k heads | v heads]`, per-head RMS QK-norm
// (`query_layernorm`, `key_layernorm`) before partial RoPE (rotate-half on the first
// `int(head_dim · partial_rotary_factor)` dimensions), output `attention.dense` (bias when
// `use_bias`, true by default), logits unshifted. `head_dim` may differ from
// `hidden_size / num_attention_heads`.
//
// Feed-forward: layers below `first_k_dense_replace` (and all of them when `num_experts` is
// null) are a dense SwiGLU of `intermediate_size`; the others a mixture of experts
// (`LLaDA2MoeSparseMoeBlock`): the gate in float32, sigmoid scores; `gate.expert_bias` (always in
// the checkpoint) is added only to choose; group-limited top-k (a group scores the sum of its
// best two, the best `topk_group` of `n_group` groups stay); the weights are the unbiased
// scores, divided by their sum + 1e-20 whenever `num_experts_per_tok > 1` (the config's
// `norm_topk_prob` is read by nothing), times `routed_scaling_factor`. `num_shared_experts`
// shared experts are one SwiGLU of `moe_intermediate_size · num_shared_experts` added to the
// routed sum (`moe_shared_expert_intermediate_size` is read by nothing).
//
// Attention is block-causal. The network itself takes any mask; generate() builds
// `log(tril(ones(blocks, blocks)))` repeated to tokens, blocks counted from position 0 of the
// canvas (prompt included), of its `block_length` argument (default 32). config.json has no
// block length, so `blockLength` starts at generate()'s default, 32, and whoever samples with
// another block length sets it (or passes `.blockCausal(blockLength:)` in the request); the
// exact cache (`--cache exact`) reads it from `attentionMask`. Note that the reference runs
// this mask only with `sdpa`: in `eager` mode transformers'
// `_prepare_4d_causal_attention_mask` inverts a 4-D float mask (`1 - mask`), so every entry,
// allowed or not, becomes the float minimum and attention turns uniform; and without a mask
// eager attention is causal while sdpa's is bidirectional. dllm loads with sdpa (the default),
// which is what this file reproduces.
//
// Read by nothing in the reference and ignored here: `norm_head`, `use_sliding_window`,
// `sliding_window`, `max_window_layers`, the dropouts, `score_function`, `router_dtype`,
// `use_rmsnorm`, `rotary_dim`. Refused, naming the field: RoPE scaling (`rope_scaling`, `rope_parameters`), activations other
// than silu, `num_shared_experts: 0` (a zero-width expert in the reference; write null), and
// sizes the reference cannot build.

/// LLaDA2's `config.json`, with `configuration_llada2_moe.py`'s defaults for missing keys.
public struct LLaDA2MoeConfiguration: Decodable, Sendable {
  /// Rows of the embedding and head.
  public var vocabSize: Int
  /// Model width.
  public var hiddenSize: Int
  /// Width of the dense layers' MLP (nil: no dense layer may exist).
  public var intermediateSize: Int?
  /// Blocks.
  public var numHiddenLayers: Int
  /// Query heads.
  public var numAttentionHeads: Int
  /// Key/value heads (the class's default, 0, is refused).
  public var numKeyValueHeads: Int
  /// MLP activation (only `silu`).
  public var hiddenAct: String
  /// Bias on the fused `query_key_value`.
  public var useQKVBias: Bool
  /// Per-head RMS norms on q and k.
  public var useQKNorm: Bool
  /// Bias on the attention output `dense`.
  public var useBias: Bool
  /// Epsilon of every RMS norm, QK-norms included.
  public var rmsNormEps: Double
  /// Output head reuses the embedding.
  public var tieWordEmbeddings: Bool
  /// RoPE base `θ`.
  public var ropeTheta: Double
  /// A RoPE scaling other than the default, from `rope_scaling` or `rope_parameters` (refused
  /// naming the field).
  public var ropeScaling: HuggingFaceRoPE.Scaling?
  /// Routed experts per MoE layer (nil: every layer is dense).
  public var numExperts: Int?
  /// Shared experts (nil: none).
  public var numSharedExperts: Int?
  /// Experts per token (`top_k`).
  public var numExpertsPerTok: Int
  /// Expert groups.
  public var nGroup: Int
  /// Groups kept per token.
  public var topkGroup: Int
  /// Multiplier on the routed weights.
  public var routedScalingFactor: Double
  /// Width of one routed expert.
  public var moeIntermediateSize: Int?
  /// Layers below this index are dense.
  public var firstKDenseReplace: Int
  /// Dimensions per head (nil: `hidden_size / num_attention_heads`, rounded down).
  public var headDim: Int?
  /// Fraction of each head that RoPE turns.
  public var partialRotaryFactor: Double
  /// End-of-sequence id.
  public var eosTokenID: Int?
  /// Padding id.
  public var padTokenID: Int?
  /// The `[MASK]` id, when the config names one (else the tokenizer's `<|mask|>`).
  public var maskTokenID: Int?

  enum CodingKeys: String, CodingKey {
    case vocabSize = "vocab_size", hiddenSize = "hidden_size"
    case intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
    case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads"
    case hiddenAct = "hidden_act", useQKVBias = "use_qkv_bias", useQKNorm = "use_qk_norm"
    case useBias = "use_bias", rmsNormEps = "rms_norm_eps"
    case tieWordEmbeddings = "tie_word_embeddings", ropeTheta = "rope_theta"
    case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling", numExperts =
      "num_experts"
    case numSharedExperts = "num_shared_experts", numExpertsPerTok = "num_experts_per_tok"
    case nGroup = "n_group", topkGroup = "topk_group"
    case routedScalingFactor = "routed_scaling_factor"
    case moeIntermediateSize = "moe_intermediate_size"
    case firstKDenseReplace = "first_k_dense_replace", headDim = "head_dim"
    case partialRotaryFactor = "partial_rotary_factor", eosTokenID = "eos_token_id"
    case padTokenID = "pad_token_id", maskTokenID = "mask_token_id"
  }

  /// Decodes with `configuration_llada2_moe.py`'s defaults for absent keys.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 30_592
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 1024
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize)
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 24
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 16
    numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? 0
    hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
    useQKVBias = try c.decodeIfPresent(Bool.self, forKey: .useQKVBias) ?? false
    useQKNorm = try c.decodeIfPresent(Bool.self, forKey: .useQKNorm) ?? true
    useBias = try c.decodeIfPresent(Bool.self, forKey: .useBias) ?? true
    rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-5
    tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
    let rope = try c.decodeRoPE(
      theta: .ropeTheta, scaling: .ropeScaling, parameters: .ropeParameters,
      partialRotaryFactor: .partialRotaryFactor)
    ropeTheta = rope.theta ?? 10_000
    partialRotaryFactor = rope.partialRotaryFactor ?? 0.5
    ropeScaling = rope.unsupportedScaling
    numExperts = try c.decodeNullable(Int.self, forKey: .numExperts, absent: 16)
    numSharedExperts = try c.decodeNullable(Int.self, forKey: .numSharedExperts, absent: 0)
    numExpertsPerTok = try c.decodeIfPresent(Int.self, forKey: .numExpertsPerTok) ?? 2
    nGroup = try c.decodeIfPresent(Int.self, forKey: .nGroup) ?? 8
    topkGroup = try c.decodeIfPresent(Int.self, forKey: .topkGroup) ?? 4
    routedScalingFactor = try c.decodeIfPresent(Double.self, forKey: .routedScalingFactor) ?? 2.5
    moeIntermediateSize = try c.decodeIfPresent(Int.self, forKey: .moeIntermediateSize)
    firstKDenseReplace = try c.decodeIfPresent(Int.self, forKey: .firstKDenseReplace) ?? 0
    headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
    eosTokenID = try c.decodeTokenID(forKey: .eosTokenID)
    padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID) ?? 126_081
    maskTokenID = try c.decodeIfPresent(Int.self, forKey: .maskTokenID)
  }

  /// Dimensions per head: `head_dim or hidden_size // num_attention_heads`.
  public var headDimension: Int {
    headDim.flatMap { $0 != 0 ? $0 : nil } ?? hiddenSize / numAttentionHeads
  }
  /// Whether layer `i` is a mixture of experts (`num_experts` set and `i >= first_k_dense_replace`).
  public func isMoE(layer i: Int) -> Bool { numExperts != nil && i >= firstKDenseReplace }
}

/// A LLaDA2.0 / 2.1 checkpoint ready to predict masked tokens under its block-causal mask.
public final class LLaDA2MoeModel: TransformerStackModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["llada2_moe"]
  /// config.json `architectures` entries that identify LLaDA2.
  public static let architectureNames = ["LLaDA2MoeModelLM"]
  /// generate()'s default `block_length`: the mask a request without one gets until
  /// `blockLength` is set.
  public static let defaultBlockLength = 32
  /// The decoded config.
  public let configuration: LLaDA2MoeConfiguration
  /// The network.
  public let stack: TransformerStack
  /// Tokens per expert per MoE layer, from every pass (nil without experts).
  public let expertLoad: ExpertLoadMeter?
  /// The block length of the model's own mask (`attentionMask`); set it to the sampler's.
  public var blockLength = LLaDA2MoeModel.defaultBlockLength

  /// Human-readable architecture name.
  public var architecture: String { "LLaDA2" }
  /// The `[MASK]` id from config.json, if it names one.
  public var maskTokenID: Int32? { configuration.maskTokenID.map(Int32.init) }
  /// The end-of-sequence id from config.json.
  public var eosTokenID: Int32? { configuration.eosTokenID.map(Int32.init) }
  /// Block-causal over blocks of `blockLength`, counted from the canvas's first position, as
  /// generate()'s `block_diffusion_attention_mask`.
  public var attentionMask: AttentionMask { .blockCausal(blockLength: blockLength) }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(
      LLaDA2MoeConfiguration.self, from: configJSON, path: configPath)
    try Self.validate(config, path: configPath)
    configuration = config

    let d = config.hiddenSize
    let headDimension = config.headDimension
    let shape = AttentionShape(
      heads: config.numAttentionHeads, kvHeads: config.numKeyValueHeads,
      headDimension: headDimension)
    let eps = Float(config.rmsNormEps)

    let embedding = try weights.embeddingTable(
      "model.word_embeddings.weight", rows: config.vocabSize, model: d,
      tied: config.tieWordEmbeddings)
    let moeLayers = (0..<config.numHiddenLayers).filter(config.isMoE)
    let meter =
      moeLayers.isEmpty
      ? nil
      : ExpertLoadMeter(
        layers: moeLayers.count, expertCount: config.numExperts ?? 0,
        topK: config.numExpertsPerTok)
    expertLoad = meter
    var blocks: [TransformerBlock] = []
    for i in 0..<config.numHiddenLayers {
      let p = "model.layers.\(i)"
      let attention = SelfAttention(
        projection: .fused(
          try weights.fusedQKV(
            "\(p).attention.query_key_value", heads: shape.heads, kvHeads: shape.kvHeads,
            headDimension: headDimension, model: d, bias: config.useQKVBias)),
        output: try weights.linear(
          "\(p).attention.dense", out: d, in: shape.heads * headDimension, bias: config.useBias),
        shape: shape,
        queryNorm: try weights.perHeadQKNorm(
          "\(p).attention.query_layernorm", heads: shape.heads, headDimension: headDimension,
          epsilon: eps, if: config.useQKNorm),
        keyNorm: try weights.perHeadQKNorm(
          "\(p).attention.key_layernorm", heads: shape.kvHeads, headDimension: headDimension,
          epsilon: eps, if: config.useQKNorm))
      let feedForward: any FeedForward =
        config.isMoE(layer: i)
        ? try Self.mixture(
          config, prefix: "\(p).mlp", weights: weights,
          meter: meter, layer: moeLayers.firstIndex(of: i) ?? 0)
        : try weights.swiGLU("\(p).mlp", model: d, hidden: config.intermediateSize ?? 0)
      blocks.append(
        try weights.preNormBlock(
          p, model: d, epsilon: eps, attention: attention, feedForward: feedForward))
    }
    stack = try weights.huggingFaceStack(
      embedding: embedding, blocks: blocks, epsilon: eps, tied: config.tieWordEmbeddings,
      attention: shape, ropeTheta: config.ropeTheta, partialRotaryFactor: config.partialRotaryFactor
    ).labelling(meter)
  }

  /// One MoE layer's `mlp`: `gate.weight`, `gate.expert_bias`, `experts.{e}`, `shared_experts`.
  private static func mixture(
    _ c: LLaDA2MoeConfiguration, prefix p: String, weights: WeightLoader,
    meter: ExpertLoadMeter?, layer: Int
  ) throws -> MixtureOfExperts {
    let experts = c.numExperts ?? 0
    let width = c.moeIntermediateSize ?? 0
    let d = c.hiddenSize
    let scoring = ExpertRouter.Scoring.groupLimitedSigmoid(
      selectionBias: try weights.floats("\(p).gate.expert_bias", count: experts),
      groups: c.nGroup, keptGroups: c.topkGroup, renormalize: c.numExpertsPerTok > 1,
      scale: Float(c.routedScalingFactor))
    return try weights.shapeChecked {
      try MixtureOfExperts(
        router: weights.expertRouter(
          "\(p).gate", experts: experts, model: d, topK: c.numExpertsPerTok, scoring: scoring),
        experts: weights.experts("\(p).experts", count: experts, model: d, hidden: width),
        shared: c.numSharedExperts.map {
          try weights.swiGLU("\(p).shared_experts", model: d, hidden: width * $0)
        },
        onRouting: meter.map { meter in { @Sendable in meter.record(layer: layer, $0) } })
    }
  }

  /// Refuses what this file does not implement and what the reference cannot build, naming
  /// the field.
  static func validate(_ c: LLaDA2MoeConfiguration, path: String) throws {
    let check = ConfigChecks(path: path)
    try check.positive([
      "vocab_size": c.vocabSize, "hidden_size": c.hiddenSize,
      "num_hidden_layers": c.numHiddenLayers, "num_attention_heads": c.numAttentionHeads,
      "head_dim": c.headDimension,
    ])
    guard c.numKeyValueHeads > 0, c.numAttentionHeads % c.numKeyValueHeads == 0 else {
      throw check.refuse(
        "num_key_value_heads",
        "\(c.numKeyValueHeads): num_attention_heads must be a positive multiple of it")
    }
    try check.silu(c.hiddenAct)
    try check.rotary(
      theta: c.ropeTheta, scaling: c.ropeScaling, headDimension: c.headDimension,
      factor: c.partialRotaryFactor)
    let layers = 0..<c.numHiddenLayers
    if layers.contains(where: { !c.isMoE(layer: $0) }), (c.intermediateSize ?? 0) <= 0 {
      throw check.refuse(
        "intermediate_size", "dense layers (below first_k_dense_replace) need a width")
    }
    guard let experts = c.numExperts, layers.contains(where: c.isMoE) else { return }
    guard experts > 0 else { throw check.refuse("num_experts", "must be positive or null") }
    guard let width = c.moeIntermediateSize, width > 0 else {
      throw check.refuse("moe_intermediate_size", "MoE layers need a positive width")
    }
    try check.topK(c.numExpertsPerTok, experts: experts)
    guard c.nGroup >= 1, experts % c.nGroup == 0, experts / c.nGroup >= 2 else {
      throw check.refuse(
        "n_group", "\(c.nGroup) must divide num_experts (\(experts)) into groups of 2 or more")
    }
    guard c.topkGroup >= 1, c.topkGroup <= c.nGroup else {
      throw check.refuse("topk_group", "\(c.topkGroup) must be in 1...n_group (\(c.nGroup))")
    }
    guard c.numExpertsPerTok <= c.topkGroup * (experts / c.nGroup) else {
      throw check.refuse(
        "num_experts_per_tok",
        "\(c.numExpertsPerTok) is more than the \(c.topkGroup * (experts / c.nGroup)) experts in topk_group groups"
      )
    }
    if let shared = c.numSharedExperts, shared <= 0 {
      throw check.refuse(
        "num_shared_experts",
        "\(shared) builds a zero-width shared expert in the reference; write null for none")
    }
  }
}
