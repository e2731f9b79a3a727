import Foundation

/// MDLM's analytic update of one masked position (kuleshov-group/mdlm diffusion.py
/// `_analytic_update` and `_denoiser_update` through `get_score`, `_staggered_score` and
/// `_transp_transition`, SUBS), in the reference's float32:
///
///     score = exp(log p_x0 + log k), k = 1 / expm1(σ(t))     the mask's score exp(0) = 1
///     staggered: score · e^{dσ}; the mask's plus (1 - e^{dσ}) · Σ score
///     times the reverse transition: tokens (1 - e^{-dσ}), the mask e^{-dσ} + (1 - e^{-dσ})
///
/// The weights sum to 1 (a token with probability `k (e^{dσ} - 1) p`), the distribution of
/// `ddpm`'s update in another arithmetic. The denoiser is the same at `dσ = σ` with the mask's
/// weight set to 0. A position that holds a token keeps it (its only non-zero weight), so
/// only masked rows are computed.
struct AnalyticTransition {
  /// `log k = -log(expm1(σ(t)))`.
  let logK: Float
  /// `e^{dσ}`.
  let stagger: Float
  /// The reverse transition's weight on every token: `1 - e^{-dσ}`.
  let tokenEdge: Float
  /// Its weight on the mask: `e^{-dσ} + (1 - e^{-dσ})`, rounded as the reference adds them.
  let maskEdge: Float
  /// False for the denoiser, which zeroes the mask's weight.
  let keepsMask: Bool

  /// A step from `σ(t) = sigma` over `dσ = dSigma`.
  init(sigma: Float, dSigma: Float, keepsMask: Bool = true) {
    logK = -Foundation.log(Foundation.expm1(sigma))
    stagger = Foundation.exp(dSigma)
    let decay = Foundation.exp(-dSigma)
    tokenEdge = 1 - decay
    maskEdge = decay + tokenEdge
    self.keepsMask = keepsMask
  }

  /// Whether `σ(t)` is 0 (or less), where `log k` is infinite: the reference's score is then
  /// NaN on every row, tokens' rows included (`masked_score * 0`), and its Gumbel argmax takes
  /// token 0 at every position. The cosine schedules reach it in float32 below t ≈ 3e-4, at
  /// `_sample`'s last time 1e-5 for one: the denoiser of a cosine run. Reproduced, as BD3-LM's
  /// division by zero at `t = 0` is.
  var isDegenerate: Bool { !logK.isFinite }

  /// The denoiser at `σ(t) = sigma` (`_denoiser_update`: `dσ = σ`, the mask's weight 0).
  static func denoiser(sigma: Float) -> AnalyticTransition {
    AnalyticTransition(sigma: sigma, dSigma: sigma, keepsMask: false)
  }

  /// The position's row from its SUBS log-probabilities `logp` (`[V]`; the mask column's is
  /// replaced by the score 1). Tokens carry `score · e^{dσ}` times `tokenEdge`, which
  /// `TransitionRow` multiplies in float32 as the reference does.
  func row(logProbabilities logp: [Float], maskColumn: Int) -> TransitionRow {
    var staggered = [Double](repeating: 0, count: logp.count)
    // Σ score over the row, the mask's 1 included: summed exactly, then rounded once (torch's
    // float32 sum lands on the same value or one ulp from it).
    var sum = 1.0
    for j in logp.indices where j != maskColumn {
      let score = Foundation.exp(logp[j] + logK)
      sum += Double(score)
      staggered[j] = Double(score * stagger)
    }
    let extra = (1 - stagger) * Float(sum)
    let maskWeight = keepsMask ? (stagger + extra) * maskEdge : 0
    return TransitionRow(
      probabilities: .dense(staggered), tokenWeight: Double(tokenEdge),
      maskWeight: Double(maskWeight), maskColumn: maskColumn)
  }
}
