import Foundation
import UnmaskCore
import UnmaskKernels

// Google's DiffusionGemma (`DiffusionGemmaForBlockDiffusion`, transformers 5.23
// `models/diffusion_gemma/modeling_diffusion_gemma.py`): a uniform-state text diffusion model
// with no mask token. An encoder-decoder over one set of weights: a causal encoder turns the
// prompt (and then each finished canvas) into a key/value cache, and a bidirectional decoder
// refines a canvas of `canvas_length` random tokens reading it. The network is in
// `DiffusionGemmaNetwork` and `DiffusionGemmaLayer`; this file maps the checkpoint onto them.
//
// Tensor names are `save_pretrained`'s: the decoder holds the weights
// (`model.decoder.embed_tokens`, `model.decoder.layers.{i}.*`, `model.decoder.norm`,
// `model.decoder.self_conditioning.*`); the encoder's text layers are tied to them and only
// their `layer_scalar` buffers are stored (`model.encoder.language_model.layers.{i}.layer_scalar`);
// `lm_head` is tied to the embedding (`tie_word_embeddings: false`, which would untie the
// encoder too, is refused). Experts are stacked
// (`experts.gate_up_proj [E, 2I, d]`, `experts.down_proj [E, d, I]`). The vision tower and its
// embedder (`model.encoder.vision_tower.*`, `model.encoder.embed_vision.*`) are ignored: Unmask
// runs text only, and refuses prompts holding `image_token_id`.
//
// Generic masked-diffusion passes (`logits(for:)`) are refused: a canvas is decoded after an
// encoded prompt, with the previous step's logits, which `DiffusionGemmaModel.encode` and
// `decode` take (the uniform-state sampler, `unmask logits --prompt-tokens`).

/// A DiffusionGemma checkpoint.
public final class DiffusionGemmaModel: MaskedDiffusionModel, CanvasDecoder {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["diffusion_gemma"]
  /// config.json `architectures` entries that identify DiffusionGemma.
  public static let architectureNames = ["DiffusionGemmaForBlockDiffusion"]

  /// The decoded config.
  public let configuration: DiffusionGemmaConfiguration
  /// The network.
  public let network: DiffusionGemmaNetwork

  /// Human-readable architecture name.
  public var architecture: String { "DiffusionGemma" }
  /// No mask: the canvas starts as uniform random tokens.
  public var maskTokenID: Int32? { nil }
  /// The first end-of-sequence id.
  public var eosTokenID: Int32? { configuration.eosTokenIDs.first.map(Int32.init) }
  /// Logits per position.
  public var vocabularySize: Int { network.vocabularySize }
  /// Tokens per canvas.
  public var canvasLength: Int { configuration.canvasLength }
  /// Tokens per expert per layer, from every pass.
  public var expertLoad: ExpertLoadMeter? { network.expertLoad }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try DiffusionGemmaConfiguration(configJSON: configJSON, path: configPath)
    configuration = config
    let d = config.hiddenSize
    let eps = Float(config.rmsNormEpsilon)
    weights.ignore {
      $0.hasPrefix("model.encoder.vision_tower.") || $0.hasPrefix("model.encoder.embed_vision.")
    }
    let embedding = try weights.tiedTable(
      "model.decoder.embed_tokens.weight", shape: [config.vocabularySize, d])
    func norm(_ name: String, _ width: Int = d, affine: Bool = true) throws -> RMSNorm {
      try weights.rmsNorm(name, dimension: width, epsilon: eps, affine: affine)
    }
    var layers: [DiffusionGemmaLayer] = []
    for i in 0..<config.layers {
      let p = "model.decoder.layers.\(i)"
      let kind = config.layerKinds[i]
      let geometry = config.layerGeometry[i]
      let shape = AttentionShape(
        heads: config.heads, kvHeads: geometry.kvHeads, headDimension: geometry.headDimension)
      let q = shape.heads * shape.headDimension
      let kv = shape.kvHeads * shape.headDimension
      let query = try weights.linear("\(p).self_attn.q_proj", out: q, in: d, bias: false)
      let key = try weights.linear("\(p).self_attn.k_proj", out: kv, in: d, bias: false)
      let projection: QKVProjection =
        kind == .sliding
        ? .separate(
          query: query, key: key,
          value: try weights.linear("\(p).self_attn.v_proj", out: kv, in: d, bias: false))
        : .sharedKeyValue(query: query, key: key)
      func headNorm(_ name: String, heads: Int, affine: Bool) throws -> QKNorm {
        try weights.shapeChecked {
          try QKNorm(
            weight: affine
              ? try weights.tensor("\(name).weight", shape: [shape.headDimension]) : nil,
            heads: heads, headDimension: shape.headDimension, scope: .perHead, epsilon: eps)
        }
      }
      let attention = SelfAttention(
        projection: projection,
        output: try weights.linear("\(p).self_attn.o_proj", out: d, in: q, bias: false),
        shape: shape,
        queryNorm: try headNorm("\(p).self_attn.q_norm", heads: shape.heads, affine: true),
        keyNorm: try headNorm("\(p).self_attn.k_norm", heads: shape.kvHeads, affine: true),
        valueNorm: try headNorm("\(p).self_attn.v_norm", heads: shape.kvHeads, affine: false),
        scoreScale: 1)
      let router = try weights.expertRouter(
        "\(p).router.proj", experts: config.experts, model: d, topK: config.topK,
        scoring: .softmax(renormalize: true))
      let experts = try weights.stackedExperts(
        gateUp: "\(p).experts.gate_up_proj", down: "\(p).experts.down_proj",
        count: config.experts, model: d, hidden: config.expertWidth, activation: .geluTanh)
      layers.append(
        DiffusionGemmaLayer(
          kind: kind, inputNorm: try norm("\(p).input_layernorm"), attention: attention,
          rope: Self.rope(config, kind: kind, headDimension: shape.headDimension),
          postAttentionNorm: try norm("\(p).post_attention_layernorm"),
          preFeedForwardNorm: try norm("\(p).pre_feedforward_layernorm"),
          mlp: try Self.geglu(weights, "\(p).mlp", model: d, hidden: config.intermediateSize),
          postFeedForwardNorm1: try norm("\(p).post_feedforward_layernorm_1"),
          routerNorm: try RMSNorm(weight: nil, dimension: d, epsilon: eps),
          routerScale: try weights.floats("\(p).router.scale", count: d),
          perExpertScale: try weights.floats("\(p).router.per_expert_scale", count: config.experts),
          experts: try weights.shapeChecked {
            try MixtureOfExperts(router: router, experts: experts)
          },
          preFeedForwardNorm2: try norm("\(p).pre_feedforward_layernorm_2"),
          postFeedForwardNorm2: try norm("\(p).post_feedforward_layernorm_2"),
          postFeedForwardNorm: try norm("\(p).post_feedforward_layernorm"),
          decoderScalar: try weights.floats("\(p).layer_scalar", count: 1)[0],
          encoderScalar: try weights.floats(
            "model.encoder.language_model.layers.\(i).layer_scalar", count: 1)[0]))
    }
    let head = try weights.shapeChecked { try Linear(weight: embedding) }
    let s = "model.decoder.self_conditioning"
    network = DiffusionGemmaNetwork(
      configuration: config, embedding: embedding, layers: layers,
      finalNorm: try norm("model.decoder.norm"), head: head,
      conditioning: (
        try norm("\(s).pre_norm"),
        try Self.geglu(weights, s, model: d, hidden: config.intermediateSize),
        try RMSNorm(weight: nil, dimension: d, epsilon: eps)
      ))
    try weights.finish()
  }

  /// A GeGLU `prefix.{gate,up,down}_proj`.
  private static func geglu(_ weights: WeightLoader, _ prefix: String, model: Int, hidden: Int)
    throws -> SwiGLUFeedForward
  {
    try weights.shapeChecked {
      try SwiGLUFeedForward(
        gate: weights.linear("\(prefix).gate_proj", out: hidden, in: model, bias: false),
        up: weights.linear("\(prefix).up_proj", out: hidden, in: model, bias: false),
        down: weights.linear("\(prefix).down_proj", out: model, in: hidden, bias: false),
        activation: .geluTanh)
    }
  }

  /// The RoPE of a layer kind at its head width: `default` over `int(d · partial)` dimensions,
  /// or Gemma 4's `proportional`.
  private static func rope(
    _ config: DiffusionGemmaConfiguration, kind: DiffusionGemmaConfiguration.LayerKind,
    headDimension: Int
  ) -> RotaryEmbedding {
    let rope =
      config.ropes[kind]
      ?? .init(type: "default", theta: 10_000, partialRotaryFactor: 1, factor: 1)
    if rope.type == "proportional" {
      return .proportional(
        headDimension: headDimension, theta: rope.theta,
        partialRotaryFactor: rope.partialRotaryFactor, factor: rope.factor)
    }
    return .partial(
      headDimension: headDimension, theta: rope.theta, factor: rope.partialRotaryFactor)
  }

  /// Itself: its passes are `encode` and `decode`.
  public var canvasDecoder: (any CanvasDecoder)? { self }

  /// An empty encoder cache with room for `positions` positions.
  public func makePrefix(positions: Int) -> any EncodedPrefix {
    network.makeContext(positions: positions)
  }

  /// Encodes `tokens` after what `prefix` holds (the prompt, then each finished canvas).
  public func encode(_ tokens: [Int32], into prefix: any EncodedPrefix) throws {
    // Only a prompt (the first tokens encoded) is checked: a finished canvas may hold any id,
    // and the reference encodes it whatever it is.
    if prefix.length == 0, let image = configuration.imageTokenID,
      tokens.contains(Int32(truncatingIfNeeded: image))
    {
      throw PredictorError.unsupported(
        "the prompt holds image token \(image); Unmask runs DiffusionGemma on text only")
    }
    try network.encode(tokens, into: try context(prefix))
  }

  /// The canvas's logits `[C, V]` after `prefix`, self-conditioned on `previous`.
  public func decode(
    _ canvas: [Int32], after prefix: any EncodedPrefix, selfConditioning previous: Matrix?
  ) throws -> Matrix {
    try network.decode(canvas, after: try context(prefix), selfConditioning: previous)
  }

  private func context(_ prefix: any EncodedPrefix) throws -> DiffusionGemmaContext {
    guard let context = prefix as? DiffusionGemmaContext else {
      throw PredictorError.unsupported("the prefix was not made by this model's makePrefix")
    }
    return context
  }

  /// Refused: a DiffusionGemma canvas is decoded after an encoded prompt (`encode`, `decode`).
  public func logits(for request: ForwardRequest) throws -> [Matrix] {
    throw PredictorError.unsupported(
      "DiffusionGemma decodes a canvas after its encoded prompt, not a masked canvas;"
        + " generate with --preset diffusiongemma, or use `unmask logits --prompt-tokens`")
  }

  /// Refused, as `logits(for:)`.
  public func rawLogits(for request: ForwardRequest) throws -> [Matrix] {
    try logits(for: request)
  }

  /// Weight elements (the embedding once when tied; every expert).
  public var parameterCount: Int {
    var total = network.embedding.elementCount + network.finalNorm.parameterCount
    if network.head.weight.name != network.embedding.name {
      total += network.head.weight.elementCount
    }
    total += network.conditioning.parameterCount + network.conditioningNorm.parameterCount
    for layer in network.layers {
      total +=
        layer.attention.parameterCount + layer.mlp.parameterCount
        + layer.experts.parameterCount + layer.routerScale.count + layer.perExpertScale.count
      total +=
        [
          layer.inputNorm, layer.postAttentionNorm, layer.preFeedForwardNorm,
          layer.postFeedForwardNorm1, layer.preFeedForwardNorm2, layer.postFeedForwardNorm2,
          layer.postFeedForwardNorm,
        ].reduce(0) { $0 + $1.parameterCount }
    }
    return total
  }

  /// FLOPs of one decoder pass over `tokens` canvas positions: the projections, the dense MLP,
  /// the active experts and router, the head, and the attention products over the canvas.
  public func flops(tokens: Int) -> Double {
    var perToken = network.head.multiplyAddsPerRow
    for layer in network.layers {
      perToken +=
        layer.attention.projectionMultiplyAddsPerToken + layer.mlp.multiplyAddsPerToken
        + layer.experts.multiplyAddsPerToken
      perToken += 2 * tokens * layer.queryWidth
    }
    return 2 * Double(tokens) * Double(perToken)
  }

  /// The model width and the dense MLP's width.
  public var baselineGEMMShape: (width: Int, hidden: Int) {
    (configuration.hiddenSize, configuration.intermediateSize)
  }
}
