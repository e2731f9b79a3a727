/// Commits the positions whose proposed token is most probable: LLaDA `low_confidence`,
/// Dream `maskgit_plus`. Score = `p(x0)`.
public struct ConfidenceRemasking: DescribedStrategy {
  /// The confidence strategy.
  public init() {}

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .confidence,
    summary: "Probability of the proposed token: LLaDA low_confidence, Dream maskgit_plus.",
    reads: .candidateProposals, make: { _ in ConfidenceRemasking() })

  /// `topk(where(candidate, p(x0), -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.confidence }, k: context.count, rng: &rng)
  }
}

extension StrategyName {
  /// `ConfidenceRemasking`.
  public static var confidence: StrategyName { "confidence" }
}

extension Strategy {
  /// `ConfidenceRemasking`.
  public static var confidence: Strategy { Strategy(ConfidenceRemasking.descriptor) }
}
