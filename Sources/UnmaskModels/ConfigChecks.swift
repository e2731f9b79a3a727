import UnmaskCore

/// The checks Hugging Face-style configs share (Dream, the Qwen layout, LLaDA-MoE, LLaDA2),
/// each refusal a one-line `ModelError.invalidConfig` naming config.json's path and the field.
struct ConfigChecks {
  /// The checkpoint named in every refusal.
  let path: String

  /// The refusal of `field` for `problem`.
  func refuse(_ field: String, _ problem: String) -> ModelError {
    .invalidConfig(path: path, field: field, problem: problem)
  }

  /// Every `(field, value)` is positive (the reference classes default some sizes to -1 or 0).
  func positive(_ fields: KeyValuePairs<String, Int>) throws {
    for (field, value) in fields where value <= 0 {
      throw refuse(field, "must be positive, got \(value)")
    }
  }

  /// `hidden_act` is `silu` (or `swish`, transformers' other name for it), the only activation
  /// the SwiGLU parts compute.
  func silu(_ activation: String) throws {
    guard activation == "silu" || activation == "swish" else {
      throw refuse("hidden_act", "'\(activation)' is not supported (only 'silu')")
    }
  }

  /// No RoPE scaling but the default (see `HuggingFaceRoPE`).
  func defaultRoPE(_ scaling: HuggingFaceRoPE.Scaling?) throws {
    guard let scaling else { return }
    throw refuse(
      scaling.field, "RoPE scaling '\(scaling.type)' is not supported (only the default RoPE)")
  }

  /// Transformers' default RoPE: positive `rope_theta`, no scaling, and a
  /// `partial_rotary_factor` in (0, 1] that turns an even number of each head's dimensions
  /// (`int(head_dim · factor)`).
  func rotary(
    theta: Double, scaling: HuggingFaceRoPE.Scaling?, headDimension: Int, factor: Double
  ) throws {
    guard theta > 0 else { throw refuse("rope_theta", "must be positive") }
    try defaultRoPE(scaling)
    let rotary = Int(Double(headDimension) * factor)
    guard factor > 0, factor <= 1, rotary >= 2, rotary % 2 == 0 else {
      throw refuse(
        "partial_rotary_factor",
        "\(factor) of head_dim \(headDimension) must turn an even number of dimensions")
    }
  }

  /// `num_experts_per_tok` chooses between 1 and all `experts`.
  func topK(_ k: Int, experts: Int) throws {
    guard k >= 1, k <= experts else {
      throw refuse("num_experts_per_tok", "\(k) must be in 1...num_experts (\(experts))")
    }
  }
}
