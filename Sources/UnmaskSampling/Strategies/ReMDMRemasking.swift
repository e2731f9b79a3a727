import Foundation
import UnmaskCore

/// ReMDM (Wang et al., "Remasking Discrete Diffusion Models with Inference-Time Scaling",
/// 2025; kuleshov-group/remdm): confidence commits, then every token committed at an earlier
/// step may be masked again with probability sigma_t, so the model can correct it later.
///
/// With `alpha(t) = 1 - maskedFraction(t)` and `sigma_max = min(1, (1 - alpha_s) / alpha_t)`:
/// `cap`: sigma = min(eta, sigma_max); `rescale`: sigma = eta * sigma_max; `conf`: token i is
/// remasked with probability `sigma_max * softmax(-c)_i` over the committed tokens, c being the
/// probability the token had when committed (so the least confident go first; eta unused, as in
/// the reference's `remdm-conf`); `loop`: sigma = eta inside the window
/// `loopEnd < t <= loopStart` (t_off, t_on), none outside.
/// These are the sigma formulas of `_ddpm_caching_update` in kuleshov-group/remdm diffusion.py.
/// Adaptation: the reference is an ancestral sampler (each masked token unmasks with probability
/// `(alpha_s - (1 - sigma) alpha_t) / (1 - alpha_t)`); here the schedule's count decides how many
/// are committed, applied to the masks left, so pair ReMDM with `truncate` or `stochastic`
/// rounding to re-commit remasked tokens gradually (with `even`, they wait for the block's last
/// step). Nothing is remasked at a block's last step, so every block ends complete.
public struct ReMDMRemasking: DescribedStrategy {
  /// Its row of `StrategyRegistry`: it reads every row (it remasks committed tokens) and may run
  /// more steps than a block has positions (remasked tokens are committed again).
  public static let descriptor = StrategyDescriptor(
    name: .remdm,
    summary:
      "ReMDM: confidence commits plus remasking of committed tokens (cap/rescale/conf/loop).",
    parameters: [
      .number("eta", \ReMDMParameters.eta, in: .closed(0, 1), help: "ReMDM remasking strength eta"),
      .choice("remdm_schedule", \ReMDMParameters.schedule, help: "ReMDM remasking schedule"),
      .number("remdm_loop_start", \ReMDMParameters.loopStart, help: "ReMDM loop window start t_on"),
      .number("remdm_loop_end", \ReMDMParameters.loopEnd, help: "ReMDM loop window end t_off"),
      .number(
        "remdm_alpha_on", \ReMDMParameters.alphaOn, in: .closedOpen(0, 1),
        help:
          "ReMDM loop alpha_on: the unmasked share held inside the window (the exact sampler, --sampler ddpm-cache; this strategy keeps the run's schedule)"
      ),
    ],
    reads: StrategyReads(logitRows: .all, probabilities: .proposals),
    allowsMoreStepsThanPositions: true,
    validate: { p, settings in
      guard p.loopEnd >= 0, p.loopStart <= 1, p.loopEnd < p.loopStart else {
        throw SamplingError.invalidSetting(
          field: "remdm-loop",
          message: "needs 0 <= end < start <= 1, got start \(p.loopStart) end \(p.loopEnd)")
      }
      if settings.cache != .none {
        throw SamplingError.invalidSetting(
          field: "cache",
          message:
            "\(settings.cache.rawValue) cannot be used with remdm, which remasks outside the block")
      }
    },
    make: { p, settings in ReMDMRemasking(parameters: p, maskID: settings.maskID) })

  private let parameters: ReMDMParameters
  private let maskID: Int32
  private var committedConfidence: [Int: Double] = [:]

  /// A ReMDM strategy for a canvas whose masks are `maskID`.
  public init(parameters: ReMDMParameters, maskID: Int32) {
    self.parameters = parameters
    self.maskID = maskID
  }
  /// Confidence-ranked commits (as `ConfidenceRemasking`).
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.confidence }, k: context.count, rng: &rng)
  }

  /// Tokens committed at earlier steps of the generated region, each remasked with sigma_t.
  public mutating func selectRemasks(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [Int] {
    defer { for c in committed { committedConfidence[c.position] = c.score } }
    guard !context.isLastStep else { return [] }
    let mask = maskID
    let eligible = context.generatedRange.filter {
      context.canvas[$0] != mask && committedConfidence[$0] != nil
    }
    guard !eligible.isEmpty else { return [] }
    let schedule = context.schedule
    let alphaT = 1 - schedule.maskedFraction(at: context.time)
    let alphaS = 1 - schedule.maskedFraction(at: context.nextTime)
    let sigmaMax = alphaT > 0 ? min(1, (1 - alphaS) / alphaT) : 0
    var probability = [Double](repeating: 0, count: eligible.count)
    switch parameters.schedule {
    case .cap: probability = probability.map { _ in min(parameters.eta, sigmaMax) }
    case .rescale: probability = probability.map { _ in parameters.eta * sigmaMax }
    case .forwardBackward:
      let sigma = alphaT > 0 ? min(1, (alphaS - alphaT) / alphaT) : 1
      probability = probability.map { _ in sigma }
    case .loop:
      let inside = context.time <= parameters.loopStart && context.time > parameters.loopEnd
      probability = probability.map { _ in inside ? parameters.eta : 0 }
    case .conf:
      let scores = eligible.map { -(committedConfidence[$0] ?? 0) }
      let m = scores.max() ?? 0
      let weights = scores.map { exp($0 - m) }
      let total = weights.reduce(0, +)
      probability = weights.map { sigmaMax * $0 / total }
    }
    var remasked: [Int] = []
    for (i, position) in eligible.enumerated() where rng.nextUniform() < probability[i] {
      remasked.append(position)
      committedConfidence[position] = nil
    }
    return remasked
  }
}

/// ReMDM's parameters (`--eta`, `--remdm-schedule`, `--remdm-loop-start`, `--remdm-loop-end`).
public struct ReMDMParameters: PluginParameters {
  /// Remasking strength eta, in [0, 1].
  public var eta: Double = 0.04
  /// Which formula sets the remasking probability sigma_t.
  public var schedule: ReMDMSchedule = .cap
  /// Loop window start t_on (the `loop` schedule).
  public var loopStart: Double = 0.55
  /// Loop window end t_off (the `loop` schedule).
  public var loopEnd: Double = 0.05
  /// The share of tokens unmasked while the `loop` window runs (remdm's `alpha_on`, 0.9 in
  /// its scripts/remdm-loop.sh); read by the exact sampler (`--sampler ddpm-cache`), where the
  /// time before the window is rescaled to reach it.
  public var alphaOn: Double = 0.9

  /// Eta 0.04, `cap`, window (0.05, 0.55], alpha_on 0.9 (remdm's scripts/remdm-loop.sh
  /// window and alpha_on).
  public init() {}
}

extension StrategyName {
  /// `ReMDMRemasking`.
  public static var remdm: StrategyName { "remdm" }
}

extension Strategy {
  /// `ReMDMRemasking` with `parameters`.
  public static func remdm(_ parameters: ReMDMParameters) -> Strategy {
    Strategy(ReMDMRemasking.descriptor, parameters)
  }
}
