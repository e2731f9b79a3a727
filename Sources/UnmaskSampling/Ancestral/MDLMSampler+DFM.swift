import Foundation
import UnmaskCore

extension MDLMSampler {
  /// ReMDM's DFM corrector (kuleshov-group/remdm diffusion.py `_sample` with `sampling.dfm`,
  /// `_dfm_caching_update`; the schedule of Campbell et al.'s discrete flow models, Appendix D),
  /// as its reference runs it:
  ///
  ///     timestep = 1
  ///     while timestep > (1 - sampling_eps) / steps:
  ///       t = float32(timestep); a = 10 t^¼ (1 - t)^¼ + 1, b = a - 1          (float64)
  ///       dt = 1 / steps at t = 1, else min(1 / steps, 1 / (a / t + b / (1 - t)))
  ///       s = t - dt (float32); p_x0 = nucleus(exp(SUBS(model(x, σ(t)))))    (reused while x is unchanged)
  ///       t = 1: MDLM's update (q = p_x0 (t - s), mask s; tokens copied)
  ///       else:  α_t = 1 - t, α_s = 1 - s (float64)
  ///              masked: q = p_x0 · a (α_s - α_t) / (1 - α_t), mask the rest
  ///              token:  q = one-hot · (1 - b (α_s / α_t - 1)), mask the rest (it may be masked again)
  ///       timestep = t - dt
  ///     noise removal at the last timestep
  ///
  /// Its `sampler` and `eta` are not read. Its `p_x0` is only set under a nucleus (`nucleus_p`
  /// below 1; the reference fails on `None * coef` otherwise), so `--dfm` asks for `--top-p`.
  /// Draws: float64 `[L, V]` per iteration (replay) or one per position that can change.
  ///
  /// - Returns: the last timestep, where noise removal runs.
  func correct(_ run: inout AncestralRun, draws: inout any UniformSource) throws -> Float {
    let mask = settings.maskID
    let v = model.vocabularySize
    let steps = Double(settings.steps)
    let stopBelow = (1 - settings.samplingEps) / steps  // `_sample`'s dt
    var timestep = 1.0
    var cached: Matrix?
    var cachedRows: [Int: Int] = [:]
    var logp: [Float] = []
    var iteration = 0
    while timestep > stopBelow {
      let t = Float(timestep)
      let time = Double(t)  // `t[0].item()`
      let a = 10 * Foundation.pow(time, 0.25) * Foundation.pow(1 - time, 0.25) + 1
      let b = a - 1
      let dt = time == 1 ? 1 / steps : min(1 / steps, 1 / (a / time + b / (1 - time)))
      let s = t - Float(dt)
      let before = run.canvas
      var seconds = 0.0
      let masked = run.masked(in: 0..<before.count)
      if cached == nil && !masked.isEmpty {
        (cached, seconds) = try run.pass(
          ForwardCanvas(tokens: before, rows: .positions(masked), sigma: Double(sigma(t))))
        cachedRows = Dictionary(uniqueKeysWithValues: masked.enumerated().map { ($1, $0) })
      }
      let maskedWeights: (token: Double, mask: Double)
      let keptWeights: (token: Double, mask: Double)?
      if time == 1 {
        maskedWeights = (Double(t - s), Double(s))
        keptWeights = nil  // copied
      } else {
        let alphaT = 1 - time
        let alphaS = 1 - Double(s)
        let coefficient = a * (alphaS - alphaT) / (1 - alphaT)
        maskedWeights = (coefficient, 1 - coefficient)
        let keep = 1 - b * (alphaS / alphaT - 1)
        keptWeights = (keep, 1 - keep)
      }
      let uniforms =
        draws.replaysReference
        ? try draws.uniforms(before.count * v, precision: numerics.draws) : nil
      var next = before
      var scores: [Int: RowScores] = [:]
      for j in before.indices where !run.fixed[j] {
        let row: TransitionRow
        var p: [Double] = []
        if let k = cachedRows[j], let cached, before[j] == mask {
          p = probabilities(cached, row: k, logp: &logp)
          row = TransitionRow(
            probabilities: .dense(p), tokenWeight: maskedWeights.token,
            maskWeight: maskedWeights.mask, maskColumn: Int(mask))
        } else if before[j] != mask, let w = keptWeights {
          row = TransitionRow(
            probabilities: .oneHot(Int(before[j])), tokenWeight: w.token, maskWeight: w.mask,
            maskColumn: Int(mask))
        } else {
          continue
        }
        let drawn = try row.draw(
          row: j, of: uniforms, vocabularySize: v, numerics: numerics, draws: &draws)
        next[j] = Int32(drawn)
        if !p.isEmpty && !run.observers.isEmpty { scores[j] = RowScores(p, drawn: drawn) }
      }
      run.canvas = next
      if next != before || model.conditionsOnNoiseLevel { cached = nil }
      timestep = time - dt
      guard
        run.finishStep(
          before: before, time: time, nextTime: timestep, block: 0, stepInBlock: iteration,
          blockRange: run.promptLength..<before.count, scores: scores, modelSeconds: seconds)
      else { break }
      iteration += 1
    }
    return Float(timestep)
  }
}
