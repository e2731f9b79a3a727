/// Commits the lowest-entropy positions first: Dream `entropy`.
/// Score = `sum p log(p + 1e-10)` (negative entropy, so higher commits first).
public struct EntropyRemasking: RemaskingStrategy {
  /// The entropy strategy.
  public init() {}
  /// `.entropy`.
  public var name: StrategyName { .entropy }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
  /// `topk(where(candidate, -H, -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.negativeEntropy }, k: context.count, rng: &rng)
  }
}
