import Foundation
import UnmaskFormats

/// The tensor list of a random-weight checkpoint, valued as a freshly initialised model is:
/// projections uniform with the standard deviation of `initializer_range` 0.02, norms, scales
/// and layer scalars 1. For speed and memory runs at real size (`unmask bench synthetic`).
struct SyntheticSpecs {
  private(set) var specs: [GeneratedTensors.Spec] = []
  /// Uniform ±a has standard deviation a / sqrt 3.
  private let scale = Float(0.02 * 3.0.squareRoot())

  mutating func weight(_ name: String, _ shape: [Int]) {
    specs.append(.init(name: name, shape: shape, fill: .uniform(scale: scale)))
  }

  mutating func ones(_ name: String, _ shape: [Int]) {
    specs.append(.init(name: name, shape: shape, fill: .constant(1)))
  }

  /// A bias, zero as `nn.Linear`'s are after a fresh `_init_weights`.
  mutating func zeros(_ name: String, _ shape: [Int]) {
    specs.append(.init(name: name, shape: shape, fill: .constant(0)))
  }

  /// A Hugging Face decoder's frame: the embedding table `embedding`, the final `model.norm`,
  /// and an `lm_head` unless the head is tied to the embedding.
  mutating func frame(embedding: String, vocabulary: Int, model: Int, tied: Bool) {
    weight(embedding, [vocabulary, model])
    ones("model.norm.weight", [model])
    if !tied { weight("lm_head.weight", [vocabulary, model]) }
  }

  /// A pre-norm layer's `input_layernorm` and `post_attention_layernorm` under `prefix`.
  mutating func layerNorms(_ prefix: String, model: Int) {
    ones("\(prefix).input_layernorm.weight", [model])
    ones("\(prefix).post_attention_layernorm.weight", [model])
  }

  /// A SwiGLU's `gate_proj`, `up_proj` and `down_proj` under `prefix`.
  mutating func swiGLU(_ prefix: String, model: Int, hidden: Int) {
    weight("\(prefix).gate_proj.weight", [hidden, model])
    weight("\(prefix).up_proj.weight", [hidden, model])
    weight("\(prefix).down_proj.weight", [model, hidden])
  }
}

extension SyntheticCheckpoint {
  /// The tensors of the checkpoint `configJSON` describes, by its `architectures`: LLaDA-MoE,
  /// LLaDA2 or DiffusionGemma, with the checks their loaders make (a refusal names `path`).
  public static func tensors(configJSON: Data, path: String) throws -> [GeneratedTensors.Spec] {
    let header = ConfigHeader(configJSON: configJSON)
    let names = header?.architectures ?? []
    if names.contains(where: LLaDAMoEModel.architectureNames.contains) {
      let config = try ModelError.decode(LLaDAMoEConfiguration.self, from: configJSON, path: path)
      try LLaDAMoEModel.validate(config, path: path)
      return lladaMoETensors(config)
    }
    if names.contains(where: LLaDA2MoeModel.architectureNames.contains) {
      let config = try ModelError.decode(LLaDA2MoeConfiguration.self, from: configJSON, path: path)
      try LLaDA2MoeModel.validate(config, path: path)
      return llada2Tensors(config)
    }
    if names.contains(where: DiffusionGemmaModel.architectureNames.contains) {
      return diffusionGemmaTensors(
        try DiffusionGemmaConfiguration(configJSON: configJSON, path: path))
    }
    throw ModelError.invalidConfig(
      path: path, field: "architectures",
      problem: "\(names) is none of LLaDAMoEModelLM, LLaDA2MoeModelLM, "
        + "DiffusionGemmaForBlockDiffusion")
  }

  /// Every tensor of a LLaDA-MoE checkpoint (LLaDA-MoE-7B-A1B's names: `self_attn`,
  /// `mlp.gate`, `mlp.experts.{e}`, `shared_expert`).
  public static func lladaMoETensors(_ config: LLaDAMoEConfiguration) -> [GeneratedTensors.Spec] {
    let d = config.hiddenSize
    let hd = d / config.numAttentionHeads
    let kv = config.kvHeads * hd
    var s = SyntheticSpecs()
    s.frame(
      embedding: "model.embed_tokens.weight", vocabulary: config.vocabSize, model: d,
      tied: config.tieWordEmbeddings)
    for i in 0..<config.numHiddenLayers {
      let p = "model.layers.\(i)"
      s.layerNorms(p, model: d)
      s.weight("\(p).self_attn.q_proj.weight", [d, d])
      s.weight("\(p).self_attn.k_proj.weight", [kv, d])
      s.weight("\(p).self_attn.v_proj.weight", [kv, d])
      s.weight("\(p).self_attn.o_proj.weight", [d, d])
      if config.attentionBias {
        for (name, width) in [("q_proj", d), ("k_proj", kv), ("v_proj", kv), ("o_proj", d)] {
          s.zeros("\(p).self_attn.\(name).bias", [width])
        }
      }
      if config.qkLayernorm {
        s.ones("\(p).self_attn.q_norm.weight", [hd])
        s.ones("\(p).self_attn.k_norm.weight", [hd])
      }
      guard config.isMoE(layer: i) else {
        s.swiGLU("\(p).mlp", model: d, hidden: config.denseIntermediateSize)
        continue
      }
      s.weight("\(p).mlp.gate.weight", [config.numExperts, d])
      if config.moeRouterEnableExpertBias { s.ones("\(p).mlp.expert_bias", [config.numExperts]) }
      for e in 0..<config.numExperts {
        s.swiGLU("\(p).mlp.experts.\(e)", model: d, hidden: config.expertIntermediateSize)
      }
      if let shared = config.sharedExpertIntermediateSize {
        s.swiGLU("\(p).shared_expert", model: d, hidden: shared)
      }
    }
    return s.specs
  }

  /// Every tensor of a LLaDA2 checkpoint (LLaDA2.0-mini's names: `word_embeddings`, fused
  /// `attention.query_key_value`, `mlp.gate` with its `expert_bias`, `shared_experts`).
  public static func llada2Tensors(_ config: LLaDA2MoeConfiguration) -> [GeneratedTensors.Spec] {
    let d = config.hiddenSize
    let heads = config.numAttentionHeads
    let hd = config.headDimension
    let kvHeads = config.numKeyValueHeads
    let experts = config.numExperts ?? 0
    let width = config.moeIntermediateSize ?? 0
    var s = SyntheticSpecs()
    s.frame(
      embedding: "model.word_embeddings.weight", vocabulary: config.vocabSize, model: d,
      tied: config.tieWordEmbeddings)
    for i in 0..<config.numHiddenLayers {
      let p = "model.layers.\(i)"
      s.layerNorms(p, model: d)
      s.weight("\(p).attention.query_key_value.weight", [(heads + 2 * kvHeads) * hd, d])
      if config.useQKVBias {
        s.zeros("\(p).attention.query_key_value.bias", [(heads + 2 * kvHeads) * hd])
      }
      s.weight("\(p).attention.dense.weight", [d, heads * hd])
      if config.useBias { s.zeros("\(p).attention.dense.bias", [d]) }
      if config.useQKNorm {
        s.ones("\(p).attention.query_layernorm.weight", [hd])
        s.ones("\(p).attention.key_layernorm.weight", [hd])
      }
      guard config.isMoE(layer: i) else {
        s.swiGLU("\(p).mlp", model: d, hidden: config.intermediateSize ?? 0)
        continue
      }
      s.weight("\(p).mlp.gate.weight", [experts, d])
      s.ones("\(p).mlp.gate.expert_bias", [experts])
      for e in 0..<experts { s.swiGLU("\(p).mlp.experts.\(e)", model: d, hidden: width) }
      if let shared = config.numSharedExperts, shared > 0 {
        s.swiGLU("\(p).mlp.shared_experts", model: d, hidden: width * shared)
      }
    }
    return s.specs
  }
}
