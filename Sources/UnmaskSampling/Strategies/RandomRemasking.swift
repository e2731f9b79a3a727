/// Commits uniformly random positions: LLaDA `random` (`x0_p = torch.rand(...)`).
/// Score = a uniform draw per candidate, in ascending position order, from the run's generator.
public struct RandomRemasking: RemaskingStrategy {
  /// The random strategy.
  public init() {}
  /// `.random`.
  public var name: StrategyName { .random }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
  /// `topk(where(candidate, u, -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    var row = [Double](repeating: -.infinity, count: context.canvasLength)
    for p in context.proposals { row[p.position] = rng.nextUniform() }
    return context.pick(row, k: context.count, rng: &rng)
  }
}
