import Foundation
import UnmaskFormats
import UnmaskCore
import UnmaskKernels

/// Random-weight checkpoints with a real architecture's names and shapes, built in memory:
/// for benchmarks of a given shape and for tests that need a model but not a trained one.
public enum SyntheticCheckpoint {
  /// A LLaDA-layout model (`block_type: llama`, RMSNorm, RoPE, SwiGLU, untied head) with
  /// weights drawn uniformly from ±`scale`, stored as `dtype`; deterministic for a `seed`.
  public static func llada(
    dModel: Int, layers: Int, heads: Int, kvHeads: Int? = nil, mlp: Int, vocabulary: Int,
    dtype: DType = .f32, seed: UInt64 = 0, scale: Float = 0.05
  ) throws -> LLaDAModel {
    let (store, configJSON) = try lladaTensors(
      dModel: dModel, layers: layers, heads: heads, kvHeads: kvHeads, mlp: mlp,
      vocabulary: vocabulary, dtype: dtype, seed: seed, scale: scale)
    return try LLaDAModel(
      configJSON: configJSON, configPath: store.location, weights: WeightLoader(source: store))
  }

  /// The tensors and `config.json` of `llada(...)`'s model, for writing it to a file (a `.umk`
  /// through `UMKWriter`, which can also quantize it).
  public static func lladaTensors(
    dModel: Int, layers: Int, heads: Int, kvHeads: Int? = nil, mlp: Int, vocabulary: Int,
    dtype: DType = .f32, seed: UInt64 = 0, scale: Float = 0.05
  ) throws -> (tensors: InMemoryTensors, configJSON: Data) {
    let kv = kvHeads ?? heads
    let config: [String: Any] = [
      "model_type": "llada", "d_model": dModel, "n_heads": heads, "n_kv_heads": kv,
      "n_layers": layers, "mlp_hidden_size": mlp, "vocab_size": vocabulary,
      "embedding_size": vocabulary, "block_type": "llama", "activation_type": "silu",
      "layer_norm_type": "rms", "rope": true, "rope_theta": 500_000.0, "weight_tying": false,
      "include_bias": false, "rms_norm_eps": 1e-5, "mask_token_id": vocabulary - 1,
    ]
    let configJSON = try JSONSerialization.data(withJSONObject: config)
    let store = InMemoryTensors(location: "synthetic LLaDA d\(dModel) x\(layers)")
    var generator = SplitMix64(seed: seed)
    func add(_ name: String, _ shape: [Int], constant: Float? = nil) throws {
      let count = shape.reduce(1, *)
      let values = (0..<count).map { _ in constant ?? generator.nextUniform(scale: scale) }
      try store.add(name, shape: shape, values: values, as: constant == nil ? dtype : .f32)
    }
    let headDimension = dModel / heads
    try add("model.transformer.wte.weight", [vocabulary, dModel])
    for i in 0..<layers {
      let p = "model.transformer.blocks.\(i)"
      try add("\(p).attn_norm.weight", [dModel], constant: 1)
      try add("\(p).ff_norm.weight", [dModel], constant: 1)
      try add("\(p).q_proj.weight", [dModel, dModel])
      try add("\(p).k_proj.weight", [kv * headDimension, dModel])
      try add("\(p).v_proj.weight", [kv * headDimension, dModel])
      try add("\(p).attn_out.weight", [dModel, dModel])
      try add("\(p).ff_proj.weight", [mlp, dModel])
      try add("\(p).up_proj.weight", [mlp, dModel])
      try add("\(p).ff_out.weight", [dModel, mlp])
    }
    try add("model.transformer.ln_f.weight", [dModel], constant: 1)
    try add("model.transformer.ff_out.weight", [vocabulary, dModel])
    return (store, configJSON)
  }
}

extension SyntheticCheckpoint {
  /// An SDAR-layout model (Qwen3 layers: q/k RMSNorm per head, RoPE, SwiGLU, untied head;
  /// block-causal over `blockSize`) of the given shape, random weights as `llada(...)`'s.
  public static func sdar(
    dModel: Int, layers: Int, heads: Int, kvHeads: Int? = nil, mlp: Int, vocabulary: Int,
    blockSize: Int, dtype: DType = .f32, seed: UInt64 = 0, scale: Float = 0.05
  ) throws -> SDARModel {
    let kv = kvHeads ?? heads
    let headDimension = dModel / heads
    let config: [String: Any] = [
      "architectures": ["SDARForCausalLM"], "model_type": "sdar", "hidden_size": dModel,
      "num_attention_heads": heads, "num_key_value_heads": kv, "head_dim": headDimension,
      "num_hidden_layers": layers, "intermediate_size": mlp, "vocab_size": vocabulary,
      "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 1_000_000.0,
      "tie_word_embeddings": false, "attention_bias": false, "block_size": blockSize,
      "mask_token_id": vocabulary - 1,
    ]
    let configJSON = try JSONSerialization.data(withJSONObject: config)
    let store = InMemoryTensors(location: "synthetic SDAR d\(dModel) x\(layers)")
    var generator = SplitMix64(seed: seed)
    func add(_ name: String, _ shape: [Int], constant: Float? = nil) throws {
      let count = shape.reduce(1, *)
      let values = (0..<count).map { _ in constant ?? generator.nextUniform(scale: scale) }
      try store.add(name, shape: shape, values: values, as: constant == nil ? dtype : .f32)
    }
    try add("model.embed_tokens.weight", [vocabulary, dModel])
    for i in 0..<layers {
      let p = "model.layers.\(i)"
      try add("\(p).input_layernorm.weight", [dModel], constant: 1)
      try add("\(p).post_attention_layernorm.weight", [dModel], constant: 1)
      try add("\(p).self_attn.q_proj.weight", [heads * headDimension, dModel])
      try add("\(p).self_attn.k_proj.weight", [kv * headDimension, dModel])
      try add("\(p).self_attn.v_proj.weight", [kv * headDimension, dModel])
      try add("\(p).self_attn.o_proj.weight", [dModel, heads * headDimension])
      try add("\(p).self_attn.q_norm.weight", [headDimension], constant: 1)
      try add("\(p).self_attn.k_norm.weight", [headDimension], constant: 1)
      try add("\(p).mlp.gate_proj.weight", [mlp, dModel])
      try add("\(p).mlp.up_proj.weight", [mlp, dModel])
      try add("\(p).mlp.down_proj.weight", [dModel, mlp])
    }
    try add("model.norm.weight", [dModel], constant: 1)
    try add("lm_head.weight", [vocabulary, dModel])
    return try SDARModel(
      configJSON: configJSON, configPath: store.location, weights: WeightLoader(source: store))
  }
}
