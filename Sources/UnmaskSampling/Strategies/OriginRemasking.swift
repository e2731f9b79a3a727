/// Each candidate moves independently with probability `1 - f(s)/f(t)` (1 on the last step):
/// Dream/D3PM `origin`, the ancestral sampler of the masked diffusion itself.
///
/// The probability is computed in float32 as Dream's `1 - s / t` on its float32 timesteps;
/// the schedule's count is ignored (the number moved is itself random).
public struct OriginRemasking: DescribedStrategy {
  /// The origin strategy.
  public init() {}

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .origin,
    summary:
      "Each masked position moves independently with probability 1 - s/t: Dream/D3PM origin.",
    reads: StrategyReads(logitRows: .candidates, probabilities: .none),
    make: { _ in OriginRemasking() })

  /// Bernoulli(1 - f(s)/f(t)) per candidate, in ascending position order.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let schedule = context.schedule
    let ft = Float(schedule.maskedFraction(at: context.time))
    let fs = Float(schedule.maskedFraction(at: context.nextTime))
    let p: Float = context.isLastStep || ft <= 0 ? 1 : 1 - fs / ft
    var chosen: [ScoredPosition] = []
    for proposal in context.proposals where Float(rng.nextUniform()) < p {
      chosen.append(ScoredPosition(position: proposal.position, score: proposal.confidence))
    }
    return chosen
  }
}

extension StrategyName {
  /// `OriginRemasking`.
  public static var origin: StrategyName { "origin" }
}

extension Strategy {
  /// `OriginRemasking`.
  public static var origin: Strategy { Strategy(OriginRemasking.descriptor) }
}
