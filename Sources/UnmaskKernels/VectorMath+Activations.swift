import CUnmaskKernels
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
  /// `torch.nn.functional.gelu(x, approximate='tanh')` in float32. `inner = β·(x + κ·x³)` is
  /// formed as ATen's CPU kernel (`GeluKernel`, `GeluType::Tanh`) forms it; the rest is
  /// computed as `x / (1 + e^(-2·inner))`, the same function (`1 + tanh(u) = 2 / (1 + e^(-2u))`)
  /// written to vectorize: CUnmaskKernels' `uk_gelu_tanh` with its Cephes `exp`, a few ulps
  /// from torch's SLEEF `tanhf_u10` path. libm's `tanhf`, one value at a time, was 12% of an
  /// MDLM forward pass at 1024 tokens. Chunks of rows run on `ComputeThreads`.
  public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let chunk = 16384
    let path = KernelPath.current.cPath
    ComputeThreads.parallelFor((count + chunk - 1) / chunk) { c in
      let start = c * chunk
      uk_gelu_tanh(path, x + start, min(chunk, count - start), geluBeta, geluKappa)
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
