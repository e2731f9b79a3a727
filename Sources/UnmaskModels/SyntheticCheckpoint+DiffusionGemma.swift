import Foundation
import UnmaskFormats

extension SyntheticCheckpoint {
  /// Every tensor of a DiffusionGemma checkpoint with `config`'s real names and shapes (as
  /// `save_pretrained` writes them: the decoder's weights, both stacks' `layer_scalar`s), valued
  /// as a freshly initialised model is: projections uniform with the standard deviation of
  /// `initializer_range` 0.02, norms, scales and layer scalars 1. For speed and memory runs at
  /// real size (`unmask bench synthetic`); the values mean nothing.
  public static func diffusionGemmaTensors(_ config: DiffusionGemmaConfiguration)
    -> [GeneratedTensors.Spec]
  {
    let d = config.hiddenSize
    var specs = SyntheticSpecs()
    func weight(_ name: String, _ shape: [Int]) { specs.weight(name, shape) }
    func ones(_ name: String, _ shape: [Int]) { specs.ones(name, shape) }
    weight("model.decoder.embed_tokens.weight", [config.vocabularySize, d])
    ones("model.decoder.norm.weight", [d])
    let s = "model.decoder.self_conditioning"
    ones("\(s).pre_norm.weight", [d])
    weight("\(s).gate_proj.weight", [config.intermediateSize, d])
    weight("\(s).up_proj.weight", [config.intermediateSize, d])
    weight("\(s).down_proj.weight", [d, config.intermediateSize])
    for i in 0..<config.layers {
      let p = "model.decoder.layers.\(i)"
      let (hd, kv) = config.layerGeometry[i]
      weight("\(p).self_attn.q_proj.weight", [config.heads * hd, d])
      weight("\(p).self_attn.k_proj.weight", [kv * hd, d])
      if config.layerKinds[i] == .sliding { weight("\(p).self_attn.v_proj.weight", [kv * hd, d]) }
      weight("\(p).self_attn.o_proj.weight", [d, config.heads * hd])
      ones("\(p).self_attn.q_norm.weight", [hd])
      ones("\(p).self_attn.k_norm.weight", [hd])
      for norm in [
        "input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
        "post_feedforward_layernorm", "post_feedforward_layernorm_1",
        "post_feedforward_layernorm_2", "pre_feedforward_layernorm_2",
      ] {
        ones("\(p).\(norm).weight", [d])
      }
      weight("\(p).mlp.gate_proj.weight", [config.intermediateSize, d])
      weight("\(p).mlp.up_proj.weight", [config.intermediateSize, d])
      weight("\(p).mlp.down_proj.weight", [d, config.intermediateSize])
      weight("\(p).router.proj.weight", [config.experts, d])
      ones("\(p).router.scale", [d])
      ones("\(p).router.per_expert_scale", [config.experts])
      weight("\(p).experts.gate_up_proj", [config.experts, 2 * config.expertWidth, d])
      weight("\(p).experts.down_proj", [config.experts, d, config.expertWidth])
      ones("\(p).layer_scalar", [1])
      ones("model.encoder.language_model.layers.\(i).layer_scalar", [1])
    }
    return specs.specs
  }
}
