import Foundation
import Unmask

extension LikelihoodEstimator: TextScorer {
  /// `llada`.
  public var bound: ScoreBound { .llada }
  /// None: `samples` and `window` describe LLaDA's estimate.
  public var settings: NELBOSettings? { nil }

  /// The window as an answer after an empty prompt, as LLaDA scores text unconditionally.
  public func scoreWindow(_ tokens: [Int32], rng: inout SeededGenerator) throws -> WindowScore {
    let e = try estimate(prompt: [], answer: tokens, rng: &rng)
    return WindowScore(
      loglik: e.loglik, stderr: e.stderr, scoredTokens: tokens.count, samples: e.samples,
      forwardPasses: e.forwardPasses)
  }
}
