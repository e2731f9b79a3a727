/// Commits the lowest-entropy positions first: Dream `entropy`.
/// Score = `sum p log(p + 1e-10)` (negative entropy, so higher commits first).
public struct EntropyRemasking: DescribedStrategy {
  /// The entropy strategy.
  public init() {}

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .entropy, summary: "Lowest entropy first (score = sum p log p): Dream entropy.",
    reads: .candidateProposals, make: { _ in EntropyRemasking() })

  /// `topk(where(candidate, -H, -inf), count)`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    context.pick(context.scoreRow { $0.negativeEntropy }, k: context.count, rng: &rng)
  }
}

extension StrategyName {
  /// `EntropyRemasking`.
  public static var entropy: StrategyName { "entropy" }
}

extension Strategy {
  /// `EntropyRemasking`.
  public static var entropy: Strategy { Strategy(EntropyRemasking.descriptor) }
}
