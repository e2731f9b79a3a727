/// Commits the positions with the largest gap between the two most probable tokens:
/// Dream `topk_margin`. Score = `p1 - p2`.
public struct MarginRemasking: RemaskingStrategy {
  /// The margin strategy.
  public init() {}
  /// `.margin`.
  public var name: StrategyName { .margin }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
  /// `topk(where(candidate, p1 - p2, -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.margin }, k: context.count, rng: &rng)
  }
}
