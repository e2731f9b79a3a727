/// Commits uniformly random positions: LLaDA `random` (`x0_p = torch.rand(...)`).
/// Score = a uniform draw per candidate, in ascending position order, from the run's generator.
public struct RandomRemasking: DescribedStrategy {
  /// The random strategy.
  public init() {}

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .random, summary: "A uniform random score per position: LLaDA random.",
    reads: StrategyReads(logitRows: .candidates, probabilities: .none),
    make: { _ in RandomRemasking() })

  /// `topk(where(candidate, u, -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    var row = [Double](repeating: -.infinity, count: context.canvasLength)
    for p in context.proposals { row[p.position] = rng.nextUniform() }
    return context.pick(row, k: context.count, rng: &rng)
  }
}

extension StrategyName {
  /// `RandomRemasking`.
  public static var random: StrategyName { "random" }
}

extension Strategy {
  /// `RandomRemasking`.
  public static var random: Strategy { Strategy(RandomRemasking.descriptor) }
}
