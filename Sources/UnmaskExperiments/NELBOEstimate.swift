import Foundation

/// The settings a NELBO was computed with, recorded in every result (`--json`).
public struct NELBOSettings: Codable, Equatable, Sendable {
  /// `mdlm` or `bd3lm`.
  public var bound: ScoreBound
  /// The noise schedule: `log-linear`, the one both papers train and evaluate with.
  public var schedule: String
  /// The schedule's `eps` (`LogLinearNoise(eps=1e-3)`).
  public var scheduleEpsilon: Double
  /// The range t is drawn from: `[sampling_eps, 1]`.
  public var timeRange: [Double]
  /// How a batch's times are stratified: `antithetic` (MDLM), `per-block` or `reference`
  /// (BD3-LM, `BD3LMBound.TimeSampling`).
  public var timeSampling: String
  /// BD3-LM's block length.
  public var blockLength: Int?
  /// Whether position 0 is kept clean and out of the count (BD3-LM's `ignore_bos`).
  public var ignoresFirstToken: Bool

  enum CodingKeys: String, CodingKey {
    case bound, schedule
    case scheduleEpsilon = "schedule_eps", timeRange = "t_range", timeSampling = "t_sampling"
    case blockLength = "block_length", ignoresFirstToken = "ignore_bos"
  }
}

/// A NELBO of one sequence: one loss per draw and their mean, in nats per token.
///
/// `mean` estimates the NELBO per counted token, an upper bound on the negative log-likelihood
/// per token, so `perplexity = exp(mean)` bounds the model's perplexity from above (the papers'
/// "PPL ≤"), up to Monte-Carlo error.
public struct NELBOEstimate: Sendable {
  /// The bound and its settings.
  public var settings: NELBOSettings
  /// The sequence's length.
  public var tokens: Int
  /// Positions counted in each loss's denominator.
  public var countedTokens: Int
  /// The draws, in order.
  public var draws: [NELBODraw]
  /// Each draw's loss: its masked terms summed, divided by `countedTokens` (`_loss`).
  public var lossPerT: [Double]
  /// Model calls (MDLM: one per draw with a masked position; BD3-LM: one x_t ⊕ x₀ pass each).
  public var forwardPasses: Int
  /// The seed of the draws, when the bound drew them.
  public var seed: UInt64?

  /// The mean of `lossPerT`: nats per token.
  public var mean: Double { lossPerT.reduce(0, +) / Double(max(1, lossPerT.count)) }

  /// The standard error of `mean`, from the losses as if independent (stratification only
  /// lowers the true variance); 0 with one draw.
  public var stderr: Double {
    let n = Double(lossPerT.count)
    guard n > 1 else { return 0 }
    let m = mean
    let variance = lossPerT.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
    return (variance / n).squareRoot()
  }

  /// exp(mean): the perplexity bound.
  public var perplexity: Double { exp(mean) }
  /// mean / ln 2.
  public var bitsPerToken: Double { mean / log(2) }
  /// The bound on log p(sequence): `-mean · countedTokens` nats.
  public var loglik: Double { -mean * Double(countedTokens) }

  /// The result as `score --json` prints it. MDLM's `t_values` are one number per draw,
  /// BD3-LM's one list per draw (a time per block).
  public var jsonObject: [String: Any] {
    let times: [Any] =
      settings.bound == .mdlm ? draws.map { $0.times[0] } : draws.map(\.times)
    var object: [String: Any] = [
      "bound": settings.bound.rawValue, "tokens": tokens, "counted_tokens": countedTokens,
      "t_values": times, "masked_positions": draws.map(\.masked), "loss_per_t": lossPerT,
      "mean": mean, "stderr": stderr, "nll_per_token": mean, "perplexity": perplexity,
      "bits_per_token": bitsPerToken, "loglik": loglik, "samples": lossPerT.count,
      "forward_passes": forwardPasses, "unit": "nats per token",
    ]
    if let data = try? JSONEncoder().encode(settings),
      let encoded = try? JSONSerialization.jsonObject(with: data)
    {
      object["settings"] = encoded
    }
    if let seed { object["seed"] = seed }
    return object
  }
}
