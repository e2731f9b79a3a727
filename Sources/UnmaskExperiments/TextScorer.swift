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

/// A NELBO (`MDLMBound`, `BD3LMBound`) scoring text windows over its own draws: `samples`
/// draws per window in groups of `batch`. A window's bound on log p is `-mean · counted`.
public struct NELBOTextScorer: TextScorer {
  /// The bound.
  public var nelbo: any DiffusionBound
  /// Draws per window (`--mc`, rounded down to whole groups).
  public var samples: Int
  /// Draws per stratified group (`--batch`).
  public var batch: Int

  /// A scorer; `samples >= batch >= 1`.
  public init(nelbo: any DiffusionBound, samples: Int, batch: Int) throws {
    guard batch >= 1, samples >= batch else {
      throw ExperimentError(
        source: "--mc", problem: "needs --mc >= --batch >= 1 (got \(samples) and \(batch))")
    }
    self.nelbo = nelbo
    self.samples = samples
    self.batch = batch
  }

  /// The bound's mask id.
  public var maskID: Int32 { nelbo.maskID }
  /// The bound's kind.
  public var bound: ScoreBound { nelbo.kind }
  /// The bound's settings.
  public var settings: NELBOSettings? { nelbo.settings }

  /// `-mean · counted` over the window's draws; a window with nothing counted (one token under
  /// `ignore_bos`) scores 0 over 0 tokens.
  public func scoreWindow(_ tokens: [Int32], rng: inout SeededGenerator) throws -> WindowScore {
    let counted = nelbo.countedPositions(length: tokens.count)
    guard counted > 0 else {
      return WindowScore(loglik: 0, stderr: 0, scoredTokens: 0, samples: 0, forwardPasses: 0)
    }
    let e = try nelbo.estimate(
      tokens: tokens, samples: samples, batch: batch, rng: &rng, source: "window")
    return WindowScore(
      loglik: e.loglik, stderr: e.stderr * Double(counted), scoredTokens: counted,
      samples: e.lossPerT.count, forwardPasses: e.forwardPasses)
  }
}
