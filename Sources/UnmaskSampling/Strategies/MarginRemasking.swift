/// Commits the positions with the largest gap between the two most probable tokens:
/// Dream `topk_margin`. Score = `p1 - p2`.
public struct MarginRemasking: DescribedStrategy {
  /// The margin strategy.
  public init() {}

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .margin, summary: "Top-1 minus top-2 probability: Dream topk_margin.",
    reads: .candidateProposals, make: { _ in MarginRemasking() })

  /// `topk(where(candidate, p1 - p2, -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.margin }, k: context.count, rng: &rng)
  }
}

extension StrategyName {
  /// `MarginRemasking`.
  public static var margin: StrategyName { "margin" }
}

extension Strategy {
  /// `MarginRemasking`.
  public static var margin: Strategy { Strategy(MarginRemasking.descriptor) }
}
