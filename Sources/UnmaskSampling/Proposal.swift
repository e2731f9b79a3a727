/// The model's proposal at one masked position, with every statistic a strategy scores from.
///
/// Computed once per step for each candidate position from the probabilities the proposer
/// already has, so strategies and the step event never recompute a softmax.
public struct Proposal: Sendable, Equatable {
  /// Canvas position.
  public var position: Int
  /// The proposed token.
  public var token: Int32
  /// Probability of `token` (LLaDA `x0_p`, Dream `maskgit_plus` confidence).
  public var confidence: Double
  /// Top-1 minus top-2 probability (Dream `topk_margin`).
  public var margin: Double
  /// `sum p log(p + 1e-10)` for Dream, `sum p log p` for LLaDA: the negative entropy (nats).
  public var negativeEntropy: Double

  /// A proposal with every statistic given.
  public init(
    position: Int, token: Int32, confidence: Double, margin: Double, negativeEntropy: Double
  ) {
    self.position = position
    self.token = token
    self.confidence = confidence
    self.margin = margin
    self.negativeEntropy = negativeEntropy
  }
}
