/// Each candidate moves independently with probability `1 - f(s)/f(t)` (1 on the last step):
/// Dream/D3PM `origin`, the ancestral sampler of the masked diffusion itself.
///
/// The probability is computed in float32 as Dream's `1 - s / t` on its float32 timesteps;
/// the schedule's count is ignored (the number moved is itself random).
public struct OriginRemasking: RemaskingStrategy {
  /// The origin strategy.
  public init() {}
  /// `.origin`.
  public var name: StrategyName { .origin }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
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
