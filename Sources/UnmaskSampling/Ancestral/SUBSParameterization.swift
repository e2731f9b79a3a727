import Foundation
import UnmaskCore

/// MDLM's SUBS parameterization of a masked position's logits (kuleshov-group/mdlm
/// diffusion.py `_subs_parameterization`; bd3lms and remdm carry the same code):
///
///     logits[mask] += -1e6                    (the mask is never predicted)
///     log p = logits - logsumexp(logits)      (float32)
///     p = exp(log p)                          (float32; BD3-LM: .to(float64).exp())
///
/// A position that is not masked gets the one-hot row of its own token (log p 0 there, -1e6
/// elsewhere), so its logits are never needed: the samplers ask the model for masked rows only.
/// `logsumexp` is torch's composite `max + log(sum(exp(x - max)))`, with SLEEF's `expf` as torch
/// vectorises it (`TorchSoftmax.expf`); its float32 sum may differ from torch's in the last bit,
/// which moves a probability by an ulp, not a token.
enum SUBSParameterization {
  /// The reference's `neg_infinity`: the mask logit's offset (a finite -1e6, not -inf).
  static let negativeInfinity: Float = -1_000_000

  /// `log p` of one masked row `[V]` (`maskColumn` its mask id) into `out`.
  static func logProbabilities(
    _ logits: UnsafeBufferPointer<Float>, maskColumn: Int, into out: inout [Float]
  ) {
    let n = logits.count
    if out.count != n { out = [Float](repeating: 0, count: n) }
    for j in 0..<n { out[j] = logits[j] }
    if maskColumn >= 0 && maskColumn < n { out[maskColumn] += negativeInfinity }
    var m = out[0]
    for j in 1..<n where out[j] > m || out[j].isNaN { m = out[j] }
    // torch's logsumexp zeroes an infinite max before subtracting it.
    let shift = m.isInfinite ? 0 : m
    var sum: Float = 0
    for j in 0..<n { sum += TorchSoftmax.expf(out[j] - shift) }
    let lse = Foundation.log(sum) + shift
    for j in 0..<n { out[j] = out[j] - lse }
  }

  /// `p = exp(log p)` in float32 (MDLM, ReMDM).
  static func probabilities32(_ logProbabilities: [Float]) -> [Double] {
    logProbabilities.map { Double(TorchSoftmax.expf($0)) }
  }

  /// `p = exp(float64(log p))` (BD3-LM's `.to(torch.float64).exp()`).
  static func probabilities64(_ logProbabilities: [Float]) -> [Double] {
    logProbabilities.map { Foundation.exp(Double($0)) }
  }
}
