import Foundation

/// Elementwise activations besides SwiGLU: GELU with the tanh approximation (MDLM's DiT,
/// Gemma's `gelu_pytorch_tanh`) and the tanh soft cap Gemma puts on logits and attention scores.
extension VectorMath {
  /// `√(2/π)` as ATen's GELU kernel forms it: `M_SQRT2 * M_2_SQRTPI * 0.5` in double, then
  /// rounded to float32.
  static let geluBeta = Float(1.414_213_562_373_095_048_80 * 1.128_379_167_095_512_573_90 * 0.5)
  /// The cubic coefficient of the tanh approximation.
  static let geluKappa: Float = 0.044_715

  /// In place, `x ← 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))` for `count` values:
  /// `torch.nn.functional.gelu(x, approximate='tanh')` in float32, in the order ATen's CPU
  /// kernel (`GeluKernel`, `GeluType::Tanh`) takes: `x³ = x·x·x`, `inner = β·(x + κ·x³)`,
  /// `0.5·x·(1 + tanh(inner))`. `tanh` is libm's `tanhf` (within an ulp of torch's SLEEF
  /// `tanhf_u10`). Chunks of rows run on `ComputeThreads`.
  public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let chunk = 4096
    ComputeThreads.parallelFor((count + chunk - 1) / chunk) { c in
      for i in (c * chunk)..<min(count, (c + 1) * chunk) {
        let v = x[i]
        let cube = v * v * v
        let inner = geluBeta * (v + geluKappa * cube)
        x[i] = 0.5 * v * (1 + tanhf(inner))
      }
    }
  }

  /// In place, `x ← cap · tanh(x / cap)` for `count` values: Gemma's soft cap
  /// (`final_logit_softcapping`, `attn_logit_softcapping`), which the reference computes as
  /// `x / cap`, `tanh`, `* cap` in float32. Bounds every value to `(−cap, cap)` while leaving
  /// small ones nearly unchanged.
  public static func softcap(_ x: UnsafeMutablePointer<Float>, count: Int, cap: Float) {
    for i in 0..<count { x[i] = tanhf(x[i] / cap) * cap }
  }
}
