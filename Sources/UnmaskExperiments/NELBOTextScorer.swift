import Foundation
import Unmask

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
