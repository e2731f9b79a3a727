import Foundation

/// One step of ReMDM's sampler (kuleshov-group/remdm diffusion.py `_ddpm_caching_update`,
/// `sampling.sampler` remdm-cap | remdm-rescale | remdm-conf | remdm-loop | forward-backward): the transition
/// weights of a masked position and of a generated token, which may be masked again.
///
/// With `alpha_t = 1 - t`, `alpha_s = 1 - s` (python floats from float32 `t`):
///
///     token kept:   q = p_x0 · (1 - σ),  mask σ                    (p_x0 is its one-hot)
///     masked:       q = p_x0 · (alpha_s - (1 - σ) alpha_t) / (1 - alpha_t),
///                   mask (1 - alpha_s - σ alpha_t) / (1 - alpha_t)
///
/// cap: `σ = min(eta, (1 - alpha_s) / alpha_t)` (eta when alpha_t = 0); rescale:
/// `σ = eta · σ_max`, `σ_max = min(1, (1 - alpha_s) / alpha_t)` (1 when alpha_t = 0); conf:
/// `σ_i = σ_max · softmax(conf)_i` with `conf_i = -p_x0(token_i)` at its commit, in bfloat16
/// as the reference keeps it (`BFloat16Rounding`); loop: outside `(t_off, t_on]` MDLM's update
/// on a time rescaled so that `alpha` reaches `alpha_on` at `t_on` and 1 at 0; inside, the
/// weights above with `σ = eta` and `alpha_s = alpha_t = alpha_on`; forward-backward:
/// `σ = (alpha_s - alpha_t) / alpha_t` (1 when alpha_t = 0), above 1 near t = 1, where a
/// token's weight is negative and it is masked again for certain, as in the reference.
/// Unlike the reference, which has no prompt, fixed positions are never remasked.
struct ReMDMTransition {
  let parameters: ReMDMParameters
  /// `confident_score`: bfloat16 values as floats, -inf where no token was committed.
  var confidence: [Float]

  init(parameters: ReMDMParameters, canvasLength: Int) {
    self.parameters = parameters
    confidence = [Float](repeating: -.infinity, count: canvasLength)
  }

  /// The weights of one step at float32 times `t` and `s = t - dt`: for masked positions
  /// (`masked`) and, per generated token, for keeping or masking it (`kept`, nil where the
  /// token is simply copied, as in MDLM's update).
  struct Weights {
    var masked: (token: Double, mask: Double)
    var kept: (Int) -> (token: Double, mask: Double)?
  }

  /// This step's weights; `canvas` and `fixed` tell which positions are tokens.
  func weights(t: Float, dt: Float, canvas: [Int32], maskID: Int32, fixed: [Bool]) -> Weights {
    let eta = parameters.eta
    let alphaT = Double(1 - t)
    let alphaS = Double(1 - (t - dt))
    func masked(_ sigma: Double) -> (token: Double, mask: Double) {
      ((alphaS - (1 - sigma) * alphaT) / (1 - alphaT), (1 - alphaS - sigma * alphaT) / (1 - alphaT))
    }
    switch parameters.schedule {
    case .loop:
      return loopWeights(t: t, dt: dt)
    case .cap:
      let sigma = alphaT > 0 ? min(eta, (1 - alphaS) / alphaT) : eta
      return Weights(masked: masked(sigma), kept: { _ in (1 - sigma, sigma) })
    case .rescale:
      let sigma = eta * (alphaT > 0 ? min(1, (1 - alphaS) / alphaT) : 1)
      return Weights(masked: masked(sigma), kept: { _ in (1 - sigma, sigma) })
    case .forwardBackward:
      let sigma = alphaT > 0 ? (alphaS - alphaT) / alphaT : 1
      return Weights(masked: masked(sigma), kept: { _ in (1 - sigma, sigma) })
    case .conf:
      let sigmaMax = alphaT > 0 ? min(1, (1 - alphaS) / alphaT) : 1
      // eta = conf.softmax(-1) over the canvas (bfloat16 out), 0 at masks.
      var eta = [Float](repeating: 0, count: confidence.count)
      confidence.withUnsafeBufferPointer { TorchSoftmax.softmax($0, into: &eta) }
      let sigma = eta.indices.map { i -> Float in
        canvas[i] == maskID
          ? 0 : BFloat16Rounding.multiply(BFloat16Rounding.round(eta[i]), sigmaMax)
      }
      // Masked rows: σ = 0 in bfloat16 arithmetic.
      let one = BFloat16Rounding.subtract(1, 0)
      let token = BFloat16Rounding.divide(
        BFloat16Rounding.subtract(alphaS, BFloat16Rounding.multiply(one, alphaT)), 1 - alphaT)
      let mask = BFloat16Rounding.divide(
        BFloat16Rounding.subtract(1 - alphaS, BFloat16Rounding.multiply(0, alphaT)), 1 - alphaT)
      return Weights(
        masked: (Double(token), Double(mask)),
        kept: { i in (Double(BFloat16Rounding.subtract(1, sigma[i])), Double(sigma[i])) })
    }
  }

  /// `remdm-loop`: MDLM's update outside the window on the rescaled time, ReMDM's at constant
  /// `alpha_on` inside it.
  private func loopWeights(t: Float, dt: Float) -> Weights {
    let p = parameters
    let time = Double(t)
    if time > p.loopStart || time <= p.loopEnd {
      let moveT: Float
      let moveS: Float
      if time > p.loopStart {
        moveT = 1 - (1 - t) * Float(p.alphaOn) / Float(1 - p.loopStart)
        moveS = 1 - ((1 - t) + dt) * Float(p.alphaOn) / Float(1 - p.loopStart)
      } else {
        moveT = t * Float(1 - p.alphaOn) / Float(p.loopEnd)
        moveS = (t - dt) * Float(1 - p.alphaOn) / Float(p.loopEnd)
      }
      return Weights(masked: (Double(moveT - moveS), Double(moveS)), kept: { _ in nil })
    }
    let a = p.alphaOn
    let sigma = p.eta
    return Weights(
      masked: ((a - (1 - sigma) * a) / (1 - a), (1 - a - a * sigma) / (1 - a)),
      kept: { _ in (1 - sigma, sigma) })
  }

  /// After the draws: a committed token's confidence is `-p_x0(token)` (bfloat16), a remasked
  /// one's -inf (`remdm-conf` only reads them).
  mutating func update(before: [Int32], after: [Int32], maskID: Int32, probability: (Int) -> Double)
  {
    for i in before.indices where before[i] != after[i] {
      if before[i] == maskID {
        confidence[i] = BFloat16Rounding.round(-Float(probability(i)))
      } else if after[i] == maskID {
        confidence[i] = -.infinity
      }
    }
  }
}
