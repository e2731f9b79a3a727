/// Which canvas positions a uniform-state step accepts from the denoiser; the rest are
/// re-noised.
///
/// The count is DiffusionGemma's entropy bound (`EntropyBoundSampler.accept_canvas`, after the
/// EB-sampler of Ben-Hamu et al. 2025): positions sorted by entropy, ascending, are taken while
/// the entropies taken before the current one sum to at most `entropyBound`
/// (`cumsum(sorted) - sorted <= bound`: the sum minus the largest, an upper bound on the joint
/// mutual information of the accepted tokens). At least one position is always accepted.
///
/// `ranking` says which positions fill that count: `.entropy` takes the lowest-entropy ones,
/// which is the reference's rule exactly; `.confidence` (probability of the sampled token) and
/// `.margin` (top-1 minus top-2 probability) take the highest-scoring ones instead.
public struct UniformAcceptance: Sendable, Equatable {
  /// The score that orders positions.
  public enum Ranking: String, Sendable, CaseIterable {
    /// Lowest entropy first (DiffusionGemma's own rule).
    case entropy
    /// Highest probability of the denoiser's token first.
    case confidence
    /// Highest top-1 minus top-2 probability first.
    case margin

    /// The ranking a strategy name means here (nil: the strategy does not apply).
    public init?(strategy name: String) {
      switch name {
      case "entropy-bounded", "entropy": self = .entropy
      case "confidence": self = .confidence
      case "margin": self = .margin
      default: return nil
      }
    }
  }

  /// The strategy a ranking is named by on the command line: `entropy-bounded` (the
  /// EB-sampler, DiffusionGemma's own rule) and `entropy` rank by entropy; `confidence`,
  /// `margin` by their scores; nil for strategies that do not apply.
  public init?(strategy name: String, entropyBound: Double) {
    guard let ranking = Ranking(strategy: name) else { return nil }
    self.init(entropyBound: entropyBound, ranking: ranking)
  }

  /// The bound on the accepted entropies' sum minus their largest (`entropy_bound`).
  public var entropyBound: Double
  /// Which positions fill the count.
  public var ranking: Ranking

  /// A rule.
  public init(entropyBound: Double, ranking: Ranking = .entropy) {
    self.entropyBound = entropyBound
    self.ranking = ranking
  }

  /// The accepted mask over the canvas, from each position's entropy, confidence and margin.
  ///
  /// The count follows the reference's arithmetic: float32 entropies sorted ascending (ties by
  /// position), their running sum accumulated in double and stored in float32 (as torch's CPU
  /// `cumsum` does), compared as float32 with the bound.
  public func accepted(entropy: [Float], confidence: [Float], margin: [Float]) -> [Bool] {
    let order = entropy.indices.sorted { (entropy[$0], $0) < (entropy[$1], $1) }
    let bound = Float(entropyBound)
    var running = 0.0
    var accepted = [Bool](repeating: false, count: entropy.count)
    var count = 0
    for position in order {
      running += Double(entropy[position])
      let sum = Float(running)
      guard sum - entropy[position] <= bound else { continue }
      if ranking == .entropy { accepted[position] = true }
      count += 1
    }
    if ranking != .entropy {
      let score = ranking == .confidence ? confidence : margin
      let best = score.indices.sorted { (score[$0], -$0) > (score[$1], -$1) }
      for position in best.prefix(count) { accepted[position] = true }
    }
    return accepted
  }
}
