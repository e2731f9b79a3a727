import Foundation
import Unmask

/// MDLM's NELBO (Sahoo et al., NeurIPS 2024), as kuleshov-group/mdlm `diffusion.py` computes it
/// with its default configuration (continuous time `T: 0`, `parameterization: subs`,
/// `noise: loglinear`, `antithetic_sampling: True`, `importance_sampling: False`,
/// `change_of_variables: False`, `sampling_eps: 1e-3`).
///
/// For a sequence `x₀` of `L` tokens and a time `t`:
///
///     σ = -log(1 - (1 - ε) t),  move chance = 1 - e^{-σ} = (1 - ε) t        (LogLinearNoise)
///     x_t: each position masked with the move chance                           (q_xt)
///     loss(t) = (1/L) Σ_{j masked} -log p_θ(x₀_j | x_t, σ) · dσ/expm1(σ)       (_forward_pass_diffusion)
///
/// with p_θ SUBS's distribution (the mask's logit removed; unmasked positions copied, so they
/// add nothing) and σ zeroed by the model when it was trained without time conditioning
/// (`_process_sigma`). `_sample_t` draws `t_i = (1 - ε) · ((u_i / n + i / n) mod 1) + ε` for the
/// `n` draws of a batch (antithetic: each in its own n-th of [0, 1)), so the mean over a batch
/// is an unbiased estimate of `E_{t ~ U[ε, 1]} E_{x_t}[loss(t)]`. `_loss` reduces the per-token
/// terms by summing them over the sequence and dividing by its length; `mean` is their mean.
public struct MDLMBound: DiffusionBound {
  /// The network (its rows are read as MDLM reads them; every column, the mask's included).
  public var model: MaskPredictor
  /// The mask id (`vocab_size - 1`).
  public var maskID: Int32
  /// The noise schedule (`LogLinearNoise`, eps 1e-3).
  public var schedule: LogLinearSchedule
  /// The lower end of t (`training.sampling_eps`).
  public var samplingEpsilon: Double
  /// Whether the draws of a batch are stratified (`training.antithetic_sampling`).
  public var antithetic: Bool

  /// MDLM's bound for `model` with the reference's defaults.
  public init(
    model: MaskPredictor, maskID: Int32, schedule: LogLinearSchedule = LogLinearSchedule(eps: 1e-3),
    samplingEpsilon: Double = 1e-3, antithetic: Bool = true
  ) {
    self.model = model
    self.maskID = maskID
    self.schedule = schedule
    self.samplingEpsilon = samplingEpsilon
    self.antithetic = antithetic
  }

  /// `mdlm`.
  public var kind: ScoreBound { .mdlm }

  /// The settings, for reports.
  public var settings: NELBOSettings {
    NELBOSettings(
      bound: kind, schedule: "log-linear", scheduleEpsilon: schedule.eps,
      timeRange: [samplingEpsilon, 1], timeSampling: antithetic ? "antithetic" : "independent",
      blockLength: nil, ignoresFirstToken: false)
  }

  /// One time per draw.
  public func timesPerDraw(length: Int) -> Int { 1 }

  /// Every position counts.
  public func countedPositions(length: Int) -> Int { length }

  /// `_sample_t(n)`: n uniforms, stratified when antithetic, mapped to `[ε, 1)`.
  public func sampleTimes(count: Int, length: Int, rng: inout SeededGenerator) -> [[Double]] {
    let n = Double(count)
    return (0..<count).map { i in
      var u = rng.nextUniform()
      if antithetic { u = (u / n + Double(i) / n).truncatingRemainder(dividingBy: 1) }
      return [(1 - samplingEpsilon) * u + samplingEpsilon]
    }
  }

  /// `q_xt`: position `j` is masked when its uniform is below the move chance.
  public func sampleMasks(times: [Double], length: Int, rng: inout SeededGenerator) -> [Int] {
    let chance = schedule.moveChance(at: times[0])
    return (0..<length).filter { _ in rng.nextUniform() < chance }
  }

  /// One time in `[ε, 1]`, positions inside the sequence.
  public func check(_ draw: NELBODraw, length: Int, source: String, index: Int) throws {
    try checkShape(
      draw, length: length, range: samplingEpsilon...1, source: source, index: index)
  }

  /// One pass per draw with a masked position (a draw without one loses nothing), all draws of
  /// the call in one batched request, each canvas at its own σ and asking only for its masked
  /// rows.
  public func losses(tokens: [Int32], draws: [NELBODraw]) throws -> (
    values: [Double], passes: Int
  ) {
    let run = draws.indices.filter { !draws[$0].masked.isEmpty }
    let canvases = run.map { i -> ForwardCanvas in
      var canvas = tokens
      for j in draws[i].masked { canvas[j] = maskID }
      return ForwardCanvas(
        tokens: canvas, rows: .positions(draws[i].masked),
        sigma: schedule.totalNoise(at: draws[i].times[0]))
    }
    var values = [Double](repeating: 0, count: draws.count)
    let results = canvases.isEmpty ? [] : try model.logits(for: ForwardRequest(canvases))
    for (i, logits) in zip(run, results) {
      let weight = schedule.nelboWeight(at: draws[i].times[0])
      var sum = 0.0
      for (row, j) in draws[i].masked.enumerated() {
        sum -= subsLogProbability(logits, row: row, token: tokens[j], mask: maskID) * weight
      }
      values[i] = sum / Double(tokens.count)
    }
    return (values, canvases.count)
  }
}
