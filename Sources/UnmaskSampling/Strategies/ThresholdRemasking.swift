import UnmaskCore

/// Fast-dLLM's parallel decoding by threshold: commit every candidate whose confidence is at
/// least `threshold`, and always the most confident one.
///
/// Mirrors `get_transfer_index(..., threshold)` in NVlabs/Fast-dLLM llada/generate.py:
/// `topk(confidence, k = #candidates)`, keep index 0, drop the others below the threshold.
/// The block runs until it has no mask left; the schedule's count is ignored.
public struct ThresholdRemasking: RemaskingStrategy {
  /// Confidence needed to commit in parallel, in (0, 1].
  public var threshold: Double
  /// A threshold strategy.
  public init(threshold: Double) { self.threshold = threshold }
  /// `.threshold`.
  public var name: StrategyName { .threshold }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
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
