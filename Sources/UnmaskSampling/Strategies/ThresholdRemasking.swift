import UnmaskCore

/// Fast-dLLM's parallel decoding by threshold: commit every candidate whose confidence is at
/// least `threshold`, and always the most confident one.
///
/// Mirrors `get_transfer_index(..., threshold)` in NVlabs/Fast-dLLM llada/generate.py:
/// `topk(confidence, k = #candidates)`, keep index 0, drop the others below the threshold.
/// The block runs until it has no mask left; the schedule's count is ignored. Stateless, it is
/// its own parameter struct (and `dream-threshold`'s).
public struct ThresholdRemasking: DescribedStrategy, PluginParameters {
  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .threshold,
    summary:
      "Fast-dLLM parallel decoding: every candidate with confidence >= threshold, at least one.",
    parameters: [
      .number(
        "threshold", \ThresholdRemasking.threshold, in: .openClosed(0, 1),
        help: "confidence needed to commit in parallel")
    ],
    reads: .candidateProposals, make: { p, _ in p })

  /// Confidence needed to commit in parallel, in (0, 1].
  public var threshold: Double
  /// A threshold strategy.
  public init(threshold: Double) { self.threshold = threshold }
  /// Fast-dLLM's default threshold, 0.9.
  public init() { self.init(threshold: 0.9) }
  /// Runs until the block is complete.
  public var runsUntilBlockComplete: Bool { true }
  /// The top candidate plus every other with confidence >= threshold.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let row = context.scoreRow { $0.confidence }
    let ranked = TorchTopK.indices(of: row, k: context.proposals.count)
    var chosen: [ScoredPosition] = []
    for (rank, position) in ranked.enumerated() where rank == 0 || !(row[position] < threshold) {
      chosen.append(ScoredPosition(position: position, score: row[position]))
    }
    return chosen
  }
}

extension StrategyName {
  /// `ThresholdRemasking`.
  public static var threshold: StrategyName { "threshold" }
}

extension Strategy {
  /// `ThresholdRemasking` with `threshold`.
  public static func threshold(_ threshold: Double) -> Strategy {
    Strategy(ThresholdRemasking.descriptor, ThresholdRemasking(threshold: threshold))
  }
}
