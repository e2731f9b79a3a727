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
