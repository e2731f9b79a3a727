import UnmaskCore

/// Fast-dLLM's threshold rule for Dream (`alg='confidence_threshold'` in NVlabs/Fast-dLLM
/// dream/model/generation_utils.py): each step has a budget of `M / steps` commits plus those
/// deferred before; of the budget's top-confidence candidates the first is always committed and
/// the others only if their confidence is at least `threshold`; the rest are deferred to the
/// next step. A deferral at the last step adds a step with no new budget, so the block runs
/// until it is complete. Requires `M % steps == 0` for the block's M masks, as the reference;
/// with infilling masks outside the block M may not divide and the budget rounds up.
public struct DreamThresholdRemasking: DescribedStrategy {
  /// Its row of `StrategyRegistry`; its parameters are a `ThresholdRemasking`'s, which is what
  /// it makes under a key/value cache (Fast-dLLM's cached Dream block sampler has no budget:
  /// top-1 plus all >= threshold).
  public static let descriptor = StrategyDescriptor(
    name: .dreamThreshold,
    summary:
      "Fast-dLLM's Dream confidence_threshold: a budget of M/steps per step, the first always committed, the others if confidence >= threshold, the rest deferred.",
    parameters: [
      .number(
        "threshold", \ThresholdRemasking.threshold, in: .openClosed(0, 1),
        help: "confidence needed to commit beyond the first")
    ],
    reads: .candidateProposals,
    validate: { _, settings in
      let (positions, steps) = (settings.blockLength, settings.stepsPerBlock)
      if positions % steps != 0 {
        throw SamplingError.invalidSetting(
          field: "steps",
          message:
            "dream-threshold needs the block's \(positions) masks divisible by its \(steps) steps")
      }
    },
    make: { p, settings in
      if settings.cache != .none { return p }
      return DreamThresholdRemasking(threshold: p.threshold, stepsPerBlock: settings.stepsPerBlock)
    })

  /// Confidence needed to commit beyond the first, in (0, 1].
  public var threshold: Double
  private var perStep: Int?
  private var deferred = 0
  private var step = 0
  private var steps: Int
  private let stepsPerBlock: Int

  /// A Dream threshold strategy for blocks of `stepsPerBlock` steps.
  public init(threshold: Double, stepsPerBlock: Int) {
    self.threshold = threshold
    self.stepsPerBlock = stepsPerBlock
    self.steps = stepsPerBlock
  }
  /// Runs until the block is complete (steps are added while tokens are deferred).
  public var runsUntilBlockComplete: Bool { true }

  /// `topk(confidence, budget)`: the first, then every other at or above the threshold.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    if context.stepInBlock == 0 {  // a new block: a new budget (the reference has one block)
      steps = stepsPerBlock
      step = 0
      deferred = 0
      // M / steps as the reference (which requires M % steps == 0); with masks outside the block
      // (infilling) M may not divide, and rounding up keeps every mask within the budget.
      perStep = (context.proposals.count + max(steps, 1) - 1) / max(steps, 1)
    }
    let budget = (perStep ?? 0) + deferred
    deferred = 0
    let row = context.scoreRow { $0.confidence }
    let ranked = TorchTopK.indices(of: row, k: min(budget, context.proposals.count))
    var chosen: [ScoredPosition] = []
    for (rank, position) in ranked.enumerated() {
      if rank == 0 || !(row[position] < threshold) {
        chosen.append(ScoredPosition(position: position, score: row[position]))
      } else if step < steps - 1 {
        deferred += 1
      } else {
        perStep = 0
        steps += 1
        deferred += 1
      }
    }
    step += 1
    return chosen
  }
}

extension StrategyName {
  /// `DreamThresholdRemasking`.
  public static var dreamThreshold: StrategyName { "dream-threshold" }
}

extension Strategy {
  /// `DreamThresholdRemasking` with `threshold`.
  public static func dreamThreshold(_ threshold: Double) -> Strategy {
    Strategy(DreamThresholdRemasking.descriptor, ThresholdRemasking(threshold: threshold))
  }
}
