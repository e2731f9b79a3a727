import Foundation
import Unmask

/// What `TextPerplexity` needs of an estimator: a bound on log p of one window of tokens.
public protocol TextScorer {
  /// The mask id (a text holding it cannot be scored).
  var maskID: Int32 { get }
  /// The bound computed, for the report.
  var bound: ScoreBound { get }
  /// A NELBO's settings, for the report (nil for LLaDA's ELBO).
  var settings: NELBOSettings? { get }
  /// The bound on log p(window), drawing from `rng`.
  func scoreWindow(_ tokens: [Int32], rng: inout SeededGenerator) throws -> WindowScore
}

/// One window's bound.
public struct WindowScore: Equatable, Sendable {
  /// The bound on log p(window), in nats (a lower bound: an ELBO).
  public var loglik: Double
  /// Its Monte-Carlo standard error.
  public var stderr: Double
  /// Positions the bound scores (all, or all but the first under BD3-LM's `ignore_bos`).
  public var scoredTokens: Int
  /// Monte-Carlo samples drawn.
  public var samples: Int
  /// Model calls.
  public var forwardPasses: Int

  /// A window's score.
  public init(loglik: Double, stderr: Double, scoredTokens: Int, samples: Int, forwardPasses: Int) {
    self.loglik = loglik
    self.stderr = stderr
    self.scoredTokens = scoredTokens
    self.samples = samples
    self.forwardPasses = forwardPasses
  }
}
