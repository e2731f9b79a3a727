/// Commits the positions whose proposed token is most probable: LLaDA `low_confidence`,
/// Dream `maskgit_plus`. Score = `p(x0)`.
public struct ConfidenceRemasking: RemaskingStrategy {
  /// The confidence strategy.
  public init() {}
  /// `.confidence`.
  public var name: StrategyName { .confidence }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
  /// `topk(where(candidate, p(x0), -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.confidence }, k: context.count, rng: &rng)
  }
}
