import Foundation
import UnmaskCore

/// PC-Sampler (Huang et al. 2025, "PC-Sampler: Position-Aware Calibration of Decoding Bias in
/// Masked Diffusion Models"; NEUIR/PC-Sampler): the confidence is calibrated by how rare the
/// proposed token is and damped by its distance into the block, then the top `count` commit.
///
/// `score = exp(-lambda * (i - blockStart)) * min(alpha, -p(x0) * log(f(x0) + 1e-9))`, with
/// `f` the token's background frequency in a reference corpus (uniform `1 / V` when none is
/// given). Mirrors `pc_sampler_function` and `generate_with_pc_sampler` in src/generate.py at
/// 8b106b09877b2f69085db1b7bd7c1cc1e935d5a5: its softmax runs in the logits' dtype (pair it
/// with `--confidence-precision float32` to match it bit for bit), the score in float32 (here:
/// each operation rounded to float32). Masks before the block (prompt masks) count as distance
/// 0.
public struct PCSamplerRemasking: DescribedStrategy {
  /// PC-Sampler's parameters (the reference scripts use lambda 0.25, alpha 10).
  public struct Parameters: PluginParameters {
    /// Position decay lambda >= 0 (`lambd`); 0 = no position bias.
    public var lambda: Double = 0.25
    /// Clip alpha > 0 of the calibrated confidence.
    public var alpha: Double = 10
    /// A background-frequency file in the reference's format (`{"num_token": N,
    /// "p_baseline_dict": {"id": count, ...}}`); nil = uniform frequencies.
    public var backgroundPath: String? = nil
    /// The defaults above.
    public init() {}
    /// Parameters with lambda and alpha given.
    public init(lambda: Double, alpha: Double, backgroundPath: String? = nil) {
      self.lambda = lambda
      self.alpha = alpha
      self.backgroundPath = backgroundPath
    }
  }

  /// Its row of `StrategyRegistry`. The background file is read by `prepare(vocabularySize:)`,
  /// where `V` is known.
  public static let descriptor = StrategyDescriptor(
    name: .pcSampler,
    summary:
      "PC-Sampler: confidence calibrated by token rarity, damped by distance into the block.",
    parameters: [
      .number(
        "pc_lambda", \Parameters.lambda, in: .atLeast(0), help: "PC-Sampler position decay lambda"),
      .number(
        "pc_alpha", \Parameters.alpha, in: .above(0),
        help: "PC-Sampler clip alpha of the calibrated confidence"),
      .file(
        "pc_background", \Parameters.backgroundPath,
        help:
          "PC-Sampler background token frequencies ({\"num_token\": N, \"p_baseline_dict\": {id: count}}); uniform when omitted"
      ),
    ],
    reads: .candidateProposals, make: { p, _ in PCSamplerRemasking(parameters: p) })

  /// The parameters.
  public var parameters: Parameters
  /// Background frequency per token id `[V]`; nil = uniform `1 / V`.
  public var background: [Float]?

  /// A PC-Sampler with these parameters and background frequencies.
  public init(parameters: Parameters, background: [Float]? = nil) {
    self.parameters = parameters
    self.background = background
  }

  /// Reads the background file, when one is named and none was given.
  public mutating func prepare(vocabularySize: Int) throws {
    guard background == nil, let path = parameters.backgroundPath else { return }
    background = try Self.loadBackground(path: path, vocabularySize: vocabularySize)
  }

  /// The top `count` candidates by the calibrated, position-damped score.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let vocabulary = context.logits?.columns ?? 1
    let lambda = Float(parameters.lambda)
    let alpha = Float(parameters.alpha)
    let start = context.blockRange.lowerBound
    let row = context.scoreRow { p in
      let f =
        background.flatMap { Int(p.token) < $0.count ? $0[Int(p.token)] : nil }
        ?? 1 / Float(vocabulary)
      let logF = Float(Foundation.log(Double(f + Float(1e-9))))
      let calibrated = min(-Float(p.confidence) * logF, alpha)
      let distance = Float(max(0, p.position - start))
      let bias = Float(Foundation.exp(Double(-lambda * distance)))
      return Double(bias * calibrated)
    }
    if let a = context.settings.algTemperature, a > 0 {
      return context.pick(row, k: context.count, rng: &rng)
    }
    // The reference runs torch.topk on the block's slice, not the whole canvas: the same slice
    // gives the same order among equal scores (clipped scores tie often). Masks outside the
    // block (prompt or suffix masks) widen the slice.
    let positions = context.proposals.map(\.position)
    let lower = min(context.blockRange.lowerBound, positions.min() ?? context.blockRange.lowerBound)
    let upper = max(context.blockRange.upperBound, (positions.max() ?? 0) + 1)
    let slice = Array(row[lower..<upper])
    let k = min(context.count, context.proposals.count)
    return TorchTopK.indices(of: slice, k: k).map {
      ScoredPosition(position: lower + $0, score: slice[$0])
    }
  }

  /// Reads a background-frequency file of the reference's format: `{"num_token": N,
  /// "p_baseline_dict": {"id": count}}`, frequency `count / N`, unseen ids `1 / N`.
  public static func loadBackground(path: String, vocabularySize: Int) throws -> [Float] {
    func fail(_ message: String) -> SamplingError {
      .invalidSetting(field: "pc-background", message: "\(path): \(message)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw fail("cannot be read")
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let total = (object["num_token"] as? NSNumber)?.doubleValue, total > 0,
      let counts = object["p_baseline_dict"] as? [String: Any]
    else { throw fail("expected {\"num_token\": N > 0, \"p_baseline_dict\": {id: count}}") }
    var frequencies = [Float](repeating: Float(1 / total), count: vocabularySize)
    for (key, value) in counts {
      guard let id = Int(key), let count = (value as? NSNumber)?.doubleValue else {
        throw fail("entry \(key) is not an id with a count")
      }
      if id >= 0 && id < vocabularySize { frequencies[id] = Float(Float(count) / Float(total)) }
    }
    return frequencies
  }
}

extension StrategyName {
  /// `PCSamplerRemasking`.
  public static var pcSampler: StrategyName { "pc-sampler" }
}

extension Strategy {
  /// `PCSamplerRemasking` with `parameters`.
  public static func pcSampler(_ parameters: PCSamplerRemasking.Parameters) -> Strategy {
    Strategy(PCSamplerRemasking.descriptor, parameters)
  }
}
