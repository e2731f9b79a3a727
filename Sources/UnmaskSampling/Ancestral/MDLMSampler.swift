import Foundation
import UnmaskCore

/// MDLM's ancestral sampler and ReMDM's, as their references run them (`--sampler ddpm`,
/// `ddpm-cache` and `analytic`; kuleshov-group/mdlm diffusion.py `_sample`, `_ddpm_update`,
/// `_ddpm_caching_update`, `_analytic_update`; kuleshov-group/remdm diffusion.py `_sample`, `_ddpm_caching_update`):
///
///     timesteps = linspace(1, sampling_eps, steps + 1)   (float32), dt = (1 - sampling_eps) / steps
///     for t in timesteps[:-1]:
///       p_x0 = exp(SUBS(model(x, σ(t))))                  (reused while x is unchanged: ddpm-cache)
///       q(x_s | x_t) = p_x0 · (m_t - m_s), mask m_s        (m = 1 - exp(-σ) for ddpm, t for ddpm-cache)
///       x_s ~ q at every masked position (Gumbel-max); tokens are copied
///     noise removal: x = argmax SUBS(model(x, σ(timesteps[-1])))
///
/// `--sampler analytic` is mdlm's `_analytic_update` (`AnalyticTransition`: the same
/// distribution in the score's arithmetic, a pass every step, the denoiser sampling the masks
/// left).
///
/// `--strategy remdm` gives ReMDM's update instead (`ReMDMTransition`), with its nucleus
/// filtering (`--top-p`); `--strategy origin` with `--top-p` below 1 is remdm's `sampler: mdlm`
/// (mdlm's update, nucleus filtered, float64 draws). σ(t) reaches the network only when it is
/// time-conditioned (the model zeroes it otherwise); then the p_x0 cache is never reused, as the
/// references disable it.
///
/// Draws: with a replay (`UniformSource.replaysReference`) every step takes the `[L, V]`
/// uniforms of the reference's `rand_like(q_xs)` (float32 in mdlm, float64 in remdm) and
/// decides by Gumbel argmax; Unmask's own generator draws one uniform per position that can
/// change (inverse CDF) and, for MDLM's own updates without observers, decides the reveals
/// before the pass and asks for those rows only (`revealFirst`). A step with no mask left runs
/// no pass (there is nothing to predict).
struct MDLMSampler {
  /// The update a step makes.
  enum Update {
    /// mdlm `_ddpm_update`: `m = 1 - exp(-σ(t))` on the schedule.
    case ddpm(any TotalNoiseSchedule)
    /// mdlm `_ddpm_caching_update`: `m = t` (log-linear), float32 draws.
    case cache(LogLinearSchedule)
    /// remdm `_ddpm_caching_update`, `sampler: mdlm`: mdlm's update, float64 draws, nucleus.
    case remdmMDLM(LogLinearSchedule)
    /// remdm `_ddpm_caching_update`, `sampler: remdm-*`.
    case remdm(LogLinearSchedule, ReMDMParameters)
    /// mdlm `_analytic_update` (`AnalyticTransition`): σ on the schedule, every step a pass.
    case analytic(any TotalNoiseSchedule)
    /// remdm `_dfm_caching_update` (`sampling.dfm`): its corrector on an adaptive time grid
    /// (`MDLMSampler+DFM.swift`).
    case dfm(LogLinearSchedule)
  }

  let model: MaskPredictor
  let settings: DenoisingSettings
  let update: Update

  /// The update `settings` name (validated: see `DenoisingSettings.validateAncestral`).
  init(model: MaskPredictor, settings: DenoisingSettings, schedule: any NoiseSchedule) throws {
    self.model = model
    self.settings = settings
    let logLinear = schedule as? LogLinearSchedule
    switch settings.sampler {
    case .ddpm, .analytic:
      guard let noise = schedule as? any TotalNoiseSchedule else {
        throw SamplingError.invalidSetting(
          field: "schedule",
          message:
            "\(schedule.name.rawValue) is not one of MDLM's noise schedules (log-linear, geometric, mdlm-cosine, mdlm-cosine-squared, mdlm-linear)"
        )
      }
      update = settings.sampler == .analytic ? .analytic(noise) : .ddpm(noise)
    default:
      guard let logLinear else {
        throw SamplingError.invalidSetting(
          field: "schedule",
          message:
            "ddpm-cache reads t as the masking probability, which is the log-linear schedule's (the reference asserts it); use --sampler ddpm for \(schedule.name.rawValue)"
        )
      }
      if settings.dfm {
        update = .dfm(logLinear)
      } else if settings.strategy.name == .remdm,
        let p = settings.strategy.parameters(as: ReMDMParameters.self)
      {
        update = .remdm(logLinear, p)
      } else if let p = settings.topP, p < 1 {
        update = .remdmMDLM(logLinear)
      } else {
        update = .cache(logLinear)
      }
    }
  }

  var numerics: AncestralNumerics {
    switch update {
    case .ddpm, .cache, .analytic: return .mdlm
    case .remdmMDLM, .remdm, .dfm: return .remdm
    }
  }

  /// σ(t), the network's noise level (`self.noise(t)[0]`).
  func sigma(_ t: Float) -> Float {
    switch update {
    case .ddpm(let noise), .analytic(let noise): return noise.totalNoise(at: t)
    case .cache(let n), .remdmMDLM(let n), .remdm(let n, _), .dfm(let n):
      return n.totalNoise(at: t)
    }
  }

  /// Fills the masks of `canvas`, drawing from `draws`.
  func generate(
    canvas: [Int32], promptLength: Int, observers: [DenoisingObserver],
    draws: inout any UniformSource
  ) throws -> DenoisingResult {
    var run = AncestralRun(
      model: model, settings: settings, canvas: canvas, promptLength: promptLength,
      observers: observers)
    // mdlm's semi-AR windows and ReMDM's DFM corrector run their own loops.
    if let stride = settings.strideLength {
      try generateInStrides(&run, strideLength: stride, draws: &draws)
      if !run.stopped { try draws.finish() }
      return run.result()
    }
    if case .dfm = update {
      let end = try correct(&run, draws: &draws)
      if settings.noiseRemoval && !run.stopped { try removeNoise(&run, t: end) }
      if !run.stopped { try draws.finish() }
      return run.result()
    }
    let mask = settings.maskID
    let v = model.vocabularySize
    let steps = settings.steps
    let times = CommitCounter.dreamTimesteps(count: steps + 1, eps: Float(settings.samplingEps))
    let dt = Float((1 - settings.samplingEps) / Double(steps))
    var remdm: ReMDMTransition?
    if case .remdm(_, let p) = update {
      remdm = ReMDMTransition(parameters: p, canvasLength: canvas.count)
    }
    if revealsFirst(draws: draws, observers: observers) {
      try revealFirst(&run, times: times, dt: dt, draws: &draws)
      if settings.noiseRemoval && !run.stopped { try removeNoise(&run, t: times[steps]) }
      if !run.stopped { try draws.finish() }
      return run.result()
    }
    var cached: Matrix?
    for i in 0..<steps {
      let t = times[i]
      let before = run.canvas
      let masked = run.masked(in: 0..<before.count)
      var seconds = 0.0
      if cached == nil && !masked.isEmpty {
        let sigma = Double(sigma(t))
        (cached, seconds) = try run.pass(
          ForwardCanvas(tokens: before, rows: .positions(masked), sigma: sigma))
      }
      // Row k of the pass is masked[k] (unchanged while the pass is reused).
      let rowOf = Dictionary(uniqueKeysWithValues: masked.enumerated().map { ($1, $0) })
      var logp: [Float] = []
      var committedProbability: [Int: Double] = [:]
      var scores: [Int: RowScores] = [:]
      // The step's transition weights.
      var maskedWeights: (token: Double, mask: Double) = (0, 0)
      var kept: (Int) -> (token: Double, mask: Double)? = { _ in nil }
      var analytic: AnalyticTransition?
      switch update {
      case .analytic:
        analytic = AnalyticTransition(sigma: sigma(t), dSigma: sigma(t) - sigma(t - dt))
      case .ddpm(let noise):
        let moveT = noise.moveChance(at: t)
        let moveS = noise.moveChance(at: t - dt)
        maskedWeights = (Double(moveT - moveS), Double(moveS))
      case .cache, .remdmMDLM, .dfm:  // (DFM runs its own loop, `correct`)
        maskedWeights = (Double(t - (t - dt)), Double(t - dt))
      case .remdm:
        guard let w = remdm?.weights(t: t, dt: dt, canvas: before, maskID: mask, fixed: run.fixed)
        else { preconditionFailure("a ReMDM update has its transition") }
        maskedWeights = w.masked
        kept = w.kept
      }
      let uniforms =
        draws.replaysReference
        ? try draws.uniforms(before.count * v, precision: numerics.draws) : nil
      var next = before
      // A degenerate analytic step (σ(t) = 0) takes token 0 everywhere, as the reference's NaNs.
      let degenerate = analytic?.isDegenerate ?? false
      for j in before.indices where !run.fixed[j] && degenerate { next[j] = 0 }
      for j in before.indices where !run.fixed[j] && !degenerate {
        let row: TransitionRow
        var p: [Double] = []
        if let k = rowOf[j], let cached, let analytic {
          p = probabilities(cached, row: k, logp: &logp)  // SUBS p_x0, for the step's scores
          row = analytic.row(logProbabilities: logp, maskColumn: Int(mask))
        } else if let k = rowOf[j], let cached {
          p = probabilities(cached, row: k, logp: &logp)
          row = TransitionRow(
            probabilities: .dense(p), tokenWeight: maskedWeights.token,
            maskWeight: maskedWeights.mask, maskColumn: Int(mask))
        } else if let w = kept(j) {
          row = TransitionRow(
            probabilities: .oneHot(Int(before[j])), tokenWeight: w.token, maskWeight: w.mask,
            maskColumn: Int(mask))
        } else {
          continue  // a token MDLM's update copies
        }
        let drawn = try row.draw(
          row: j, of: uniforms, vocabularySize: v, numerics: numerics, draws: &draws)
        next[j] = Int32(drawn)
        if !p.isEmpty {
          committedProbability[j] = p[drawn]
          if !observers.isEmpty { scores[j] = RowScores(p, drawn: drawn) }
        }
      }
      run.canvas = next
      remdm?.update(before: before, after: next, maskID: mask) { committedProbability[$0] ?? 0 }
      // ddpm-cache: the pass is reused while nothing changed, unless σ conditions the network.
      switch update {
      case .ddpm, .analytic: cached = nil
      default: break
      }
      if next != before || model.conditionsOnNoiseLevel { cached = nil }
      guard
        run.finishStep(
          before: before, time: Double(t), nextTime: Double(t - dt), block: 0, stepInBlock: i,
          blockRange: promptLength..<before.count, scores: scores, modelSeconds: seconds)
      else { break }
    }
    if settings.noiseRemoval && !run.stopped {
      if case .analytic = update {
        try denoise(&run, t: times[steps], draws: &draws)
      } else {
        try removeNoise(&run, t: times[steps])
      }
    }
    if !run.stopped { try draws.finish() }
    return run.result()
  }

  /// Whether a run can decide first which masks a step reveals and then ask the model for
  /// those rows only (`revealFirst`): MDLM's own updates under Unmask's generator, with no
  /// observer that wants every masked row's distribution. A replay takes the reference's
  /// Gumbel draws over every row; ReMDM's update also moves committed tokens. Observers that
  /// only follow the canvas (an interruption check) do not stop it; traces and live views,
  /// which draw every masked position's scores, do.
  private func revealsFirst(draws: any UniformSource, observers: [DenoisingObserver]) -> Bool {
    guard !draws.replaysReference, !observers.contains(where: \.readsPositionScores) else {
      return false
    }
    switch update {
    case .ddpm, .cache: return true
    case .remdmMDLM, .remdm, .analytic, .dfm: return false
    }
  }

  /// MDLM's update drawn in two stages, the same distribution as one draw from the row
  /// `q(x_s | x_t)`: the mask column holds `m_s` of the row's total `m_t` whatever the model
  /// predicts (p_x0 sums to 1), so a masked position stays masked with probability `m_s / m_t`
  /// (`u · m_t < m_s`, `inverseCDF`'s first test with the mass at 1), and only a position that
  /// is revealed needs its p_x0, drawn with the rest of the same `u`. A step therefore asks the
  /// model for the revealed rows alone (about `L / steps` of them, against every masked row),
  /// and runs no pass when nothing is revealed: the output of a step whose canvas does not
  /// change is never read.
  private func revealFirst(
    _ run: inout AncestralRun, times: [Float], dt: Float, draws: inout any UniformSource
  ) throws {
    let precision = numerics.draws
    var logp: [Float] = []
    for i in 0..<settings.steps {
      let t = times[i]
      let before = run.canvas
      let weights: (token: Double, mask: Double)
      switch update {
      case .ddpm(let noise):
        let moveT = noise.moveChance(at: t)
        let moveS = noise.moveChance(at: t - dt)
        weights = (Double(moveT - moveS), Double(moveS))
      default:
        weights = (Double(t - (t - dt)), Double(t - dt))
      }
      let total = weights.token + weights.mask
      var revealed: [(position: Int, target: Double)] = []
      for j in run.masked(in: 0..<before.count) {
        let u = try draws.uniform(precision: precision)
        let target = u * total - weights.mask
        if target >= 0 { revealed.append((j, target / weights.token)) }
      }
      var seconds = 0.0
      if !revealed.isEmpty {
        let logits: Matrix
        (logits, seconds) = try run.pass(
          ForwardCanvas(
            tokens: before, rows: .positions(revealed.map(\.position)),
            sigma: Double(sigma(t))))
        for (k, row) in revealed.enumerated() {
          let p = probabilities(logits, row: k, logp: &logp)
          run.canvas[row.position] = Int32(Self.inverseCDF(p, target: row.target))
        }
      }
      guard
        run.finishStep(
          before: before, time: Double(t), nextTime: Double(t - dt), block: 0, stepInBlock: i,
          blockRange: run.promptLength..<before.count, scores: [:], modelSeconds: seconds)
      else { return }
    }
  }

  /// The token whose cumulative probability first exceeds `target` in `[0, 1)`; the last token
  /// with mass when rounding leaves a sliver past the end.
  static func inverseCDF(_ p: [Double], target: Double) -> Int {
    var remaining = target
    var last = 0
    for (j, pj) in p.enumerated() where pj > 0 {
      last = j
      remaining -= pj
      if remaining < 0 { return j }
    }
    return last
  }

  /// p_x0 (SUBS, float32, nucleus-filtered when asked) of row `k` of the pass (one masked
  /// position), computed when its draw needs it: one row of `V` at a time.
  func probabilities(_ logits: Matrix, row k: Int, logp: inout [Float]) -> [Double] {
    logits.values.withUnsafeBufferPointer { all in
      let row = UnsafeBufferPointer(
        rebasing: all[(k * logits.columns)..<((k + 1) * logits.columns)])
      SUBSParameterization.logProbabilities(row, maskColumn: Int(settings.maskID), into: &logp)
    }
    let p = SUBSParameterization.probabilities32(logp)
    guard let topP = settings.topP, topP < 1 else { return p }
    return NucleusFilter.filter(p, topP: topP, precision: .float32)
  }

  /// The analytic sampler's `noise_removal` (`_denoiser_update`): one pass at the last time, and
  /// every mask left is drawn (not its argmax) from the denoiser's row, which gives the mask
  /// no weight. A replay reads the reference's `[L, V]` uniforms even when no mask is left.
  private func denoise(_ run: inout AncestralRun, t: Float, draws: inout any UniformSource)
    throws
  {
    let before = run.canvas
    let v = model.vocabularySize
    let uniforms =
      draws.replaysReference ? try draws.uniforms(before.count * v, precision: .float32) : nil
    let sigma = sigma(t)
    let transition = AnalyticTransition.denoiser(sigma: sigma)
    if transition.isDegenerate {
      for j in before.indices where !run.fixed[j] { run.canvas[j] = 0 }
      _ = run.finishStep(
        before: before, time: Double(t), nextTime: 0, block: 0, stepInBlock: settings.steps,
        blockRange: run.promptLength..<before.count, scores: [:], modelSeconds: 0)
      return
    }
    let masked = run.masked(in: 0..<before.count)
    guard !masked.isEmpty else { return }
    let (logits, seconds) = try run.pass(
      ForwardCanvas(tokens: before, rows: .positions(masked), sigma: Double(sigma)))
    var logp: [Float] = []
    var scores: [Int: RowScores] = [:]
    for (k, position) in masked.enumerated() {
      let p = probabilities(logits, row: k, logp: &logp)
      let row = transition.row(logProbabilities: logp, maskColumn: Int(settings.maskID))
      let drawn = try row.draw(
        row: position, of: uniforms, vocabularySize: v, numerics: numerics, draws: &draws)
      run.canvas[position] = Int32(drawn)
      if !run.observers.isEmpty { scores[position] = RowScores(p, drawn: drawn) }
    }
    _ = run.finishStep(
      before: before, time: Double(t), nextTime: 0, block: 0, stepInBlock: settings.steps,
      blockRange: run.promptLength..<before.count, scores: scores, modelSeconds: seconds)
  }

  /// `noise_removal`: one pass at the last time, every mask left takes its argmax under SUBS.
  func removeNoise(_ run: inout AncestralRun, t: Float) throws {
    try removeNoise(
      &run, in: 0..<run.canvas.count, sigma: sigma(t), time: t, block: 0,
      blockRange: run.promptLength..<run.canvas.count)
  }

  /// Every mask in `range` takes its argmax under SUBS, from one pass over `range` alone (the
  /// whole canvas, or a semi-autoregressive window) at noise level `sigma`.
  func removeNoise(
    _ run: inout AncestralRun, in range: Range<Int>, sigma: Float, time: Float, block: Int,
    blockRange: Range<Int>
  ) throws {
    let before = run.canvas
    let masked = run.masked(in: range)
    guard !masked.isEmpty else { return }
    let (logits, seconds) = try run.pass(
      ForwardCanvas(
        tokens: Array(before[range]), rows: .positions(masked.map { $0 - range.lowerBound }),
        sigma: Double(sigma)))
    var logp: [Float] = []
    var scores: [Int: RowScores] = [:]
    for (k, position) in masked.enumerated() {
      logits.values.withUnsafeBufferPointer { all in
        let row = UnsafeBufferPointer(
          rebasing: all[(k * logits.columns)..<((k + 1) * logits.columns)])
        SUBSParameterization.logProbabilities(row, maskColumn: Int(settings.maskID), into: &logp)
      }
      var best = 0
      for j in 1..<logp.count where logp[j] > logp[best] || (logp[j].isNaN && !logp[best].isNaN) {
        best = j
      }
      run.canvas[position] = Int32(best)
      if !run.observers.isEmpty {
        scores[position] = RowScores(SUBSParameterization.probabilities32(logp), drawn: best)
      }
    }
    _ = run.finishStep(
      before: before, time: Double(time), nextTime: 0, block: block,
      stepInBlock: settings.steps, blockRange: blockRange, scores: scores, modelSeconds: seconds)
  }
}
