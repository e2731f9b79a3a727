import Foundation
import Unmask

/// The perplexity bound of a text (`unmask score --text FILE`): held-out loss for a text model.
///
/// The text's tokens (no special tokens added) are cut into consecutive, non-overlapping windows
/// of `window` tokens, the last one shorter when the count does not divide; each window is
/// scored by a `TextScorer`: LLaDA's ELBO (`LikelihoodEstimator`, the window as an answer after
/// an empty prompt, which is how LLaDA scores text unconditionally) or a model's own NELBO
/// (`NELBOTextScorer`: MDLM's, BD3-LM's block-wise one). The windows share one random
/// generator, in order, so a run is reproducible from its seed. Then
///
///     loglik = Σ_w loglik_w,  stderr = sqrt(Σ_w stderr_w²),
///     nll_per_token = −loglik / N_scored,  perplexity = exp(nll_per_token),
///     bits_per_token = nll_per_token / ln 2,
///
/// with `N_scored` the tokens the bound scores (all of them, except the first of each window
/// under BD3-LM's `ignore_bos`). These are the papers' units: nats per token and the perplexity
/// bound they report as "PPL ≤". Each window's loglik is a lower bound on log p(window), so the
/// perplexity here is an upper bound on the model's (up to Monte-Carlo error). It is not
/// comparable with an autoregressive model's perplexity over the same windows, and windows see
/// no context from the window before them.
public struct TextPerplexity: Codable, Sendable {
  /// The file (or other source) the text came from.
  public var text: String
  /// The bound (`llada`, `mdlm`, `bd3lm`).
  public var bound: ScoreBound
  /// Tokens in the text (N).
  public var tokens: Int
  /// Tokens the bound scores (`N_scored`).
  public var scoredTokens: Int
  /// Windows the tokens were cut into: ceil(N / window).
  public var windows: Int
  /// Sum of the windows' bounds on log p (nats).
  public var loglik: Double
  /// Standard error of `loglik`: the windows' errors added in quadrature (they are drawn
  /// independently).
  public var stderr: Double
  /// −loglik / N_scored: nats per token.
  public var nllPerToken: Double
  /// exp(nllPerToken): an upper bound on the true perplexity.
  public var perplexity: Double
  /// nllPerToken / ln 2.
  public var bitsPerToken: Double
  /// Model calls over all windows.
  public var forwardPasses: Int
  /// Window length in tokens (`--window`).
  public var window: Int
  /// Monte-Carlo samples per window (`--mc`, rounded down to whole batches).
  public var samples: Int

  /// The unit of `nllPerToken` (and of `loglik`: nats), for the report.
  public var unit = "nats per token"
  /// A NELBO's settings (schedule, t range and sampling, block length, ignore_bos).
  public var settings: NELBOSettings?
  /// The seed of the run, when the caller records it (`unmask score` does).
  public var seed: UInt64?

  enum CodingKeys: String, CodingKey {
    case text, bound, tokens, windows, loglik, stderr, perplexity, window, samples, unit
    case settings, seed
    case scoredTokens = "scored_tokens", nllPerToken = "nll_per_token"
    case bitsPerToken = "bits_per_token", forwardPasses = "forward_passes"
  }

  /// The text of the file at `path` (UTF-8); unreadable, empty or non-UTF-8 is an error naming
  /// the file.
  public static func readText(path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ExperimentError(source: path, problem: "cannot be read")
    }
    guard !data.isEmpty else {
      throw ExperimentError(source: path, problem: "is empty; nothing to score")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ExperimentError(source: path, problem: "is not UTF-8 text")
    }
    return text
  }

  /// `tokens` cut into consecutive windows of `size` (the last may be shorter, never empty).
  public static func windows(of tokens: [Int32], size: Int) -> [ArraySlice<Int32>] {
    precondition(size >= 1, "window size must be positive")
    return stride(from: 0, to: tokens.count, by: size).map {
      tokens[$0..<min($0 + size, tokens.count)]
    }
  }

  /// Scores `tokens` from `source` window by window; `progress(done, total)` after each window.
  ///
  /// - Throws: `ExperimentError` naming `source` when there are no tokens or one is the mask
  ///   id, naming `--window` when `window < 1`.
  public static func measure(
    tokens: [Int32], source: String, window: Int, estimator: some TextScorer,
    rng: inout SeededGenerator, progress: (Int, Int) -> Void = { _, _ in }
  ) throws -> TextPerplexity {
    guard window >= 1 else {
      throw ExperimentError(source: "--window", problem: "must be >= 1, got \(window)")
    }
    guard !tokens.isEmpty else {
      throw ExperimentError(source: source, problem: "tokenizes to no tokens; nothing to score")
    }
    if let index = tokens.firstIndex(of: estimator.maskID) {
      throw ExperimentError(
        source: source,
        problem: "token \(index) is the mask token (id \(estimator.maskID)); it cannot be scored")
    }
    let parts = windows(of: tokens, size: window)
    var loglik = 0.0
    var variance = 0.0
    var forwardPasses = 0
    var samples = 0
    var scored = 0
    for (index, part) in parts.enumerated() {
      let score = try estimator.scoreWindow(Array(part), rng: &rng)
      loglik += score.loglik
      variance += score.stderr * score.stderr
      forwardPasses += score.forwardPasses
      scored += score.scoredTokens
      samples = max(samples, score.samples)
      progress(index + 1, parts.count)
    }
    guard scored > 0 else {
      throw ExperimentError(
        source: source, problem: "has no token the bound scores (\(tokens.count) in all)")
    }
    let nll = -loglik / Double(scored)
    return TextPerplexity(
      text: source, bound: estimator.bound, tokens: tokens.count, scoredTokens: scored,
      windows: parts.count, loglik: loglik, stderr: variance.squareRoot(), nllPerToken: nll,
      perplexity: exp(nll), bitsPerToken: nll / log(2), forwardPasses: forwardPasses,
      window: window, samples: samples, settings: estimator.settings)
  }
}
