import Foundation
import Unmask

/// LLaDA's Monte-Carlo estimate of log p(answer | prompt) (Fast-dLLM `llada/eval_llada.py`,
/// `_forward_process` and `get_loglikelihood`, commit 24cc59e).
///
/// Per sample, l of the L answer tokens are masked (a uniformly random subset of that size) and
/// the sample's value is (L / l) · Σ over masked j of log p(x_j | the rest). With l uniform on
/// 1...L this is an unbiased estimate of the masked-diffusion ELBO, a lower bound on the
/// log-likelihood. Within a batch of b samples l is stratified as the reference does:
/// one k uniform on 1...L, l_i = k + round(i·L/b), wrapped into 1...L, so every l_i is itself
/// uniform and the batch covers the range evenly.
///
/// One difference, on purpose: the reference rounds k + i·L/b with `torch.round` (half to even),
/// so when i·L/b ends in .5 the wrap makes l_i depend on k's parity and l_i is no longer uniform
/// (L = 3, b = 2 gives l_1 in {2, 1, 1} for k = 1, 2, 3): the estimate is then biased. Here the
/// constant offset i·L/b is rounded half up once, so l_i = k + c_i stays uniform; everywhere else
/// the two agree.
public struct LikelihoodEstimator {
  /// The model.
  public var model: MaskPredictor
  /// The mask id.
  public var maskID: Int32
  /// Samples per estimate (`--mc`); rounded down to whole batches as the reference does.
  public var samples: Int
  /// Samples per stratified batch (`--batch`).
  public var batch: Int
  /// Classifier-free guidance scale; 0 is off (one model call per sample, two when on).
  public var cfgScale: Double

  /// An estimator; `samples` must be at least `batch`, both positive.
  public init(
    model: MaskPredictor, maskID: Int32, samples: Int = 128, batch: Int = 16, cfgScale: Double = 0
  ) throws {
    guard batch >= 1, samples >= batch else {
      throw ExperimentError(
        source: "--mc", problem: "needs --mc >= --batch >= 1 (got \(samples) and \(batch))")
    }
    guard cfgScale >= 0 else {
      throw ExperimentError(source: "--cfg-scale", problem: "must be >= 0, got \(cfgScale)")
    }
    self.model = model
    self.maskID = maskID
    self.samples = samples
    self.batch = batch
    self.cfgScale = cfgScale
  }

  /// The estimate for `answer` after `prompt`, drawing from `rng`.
  public func estimate(
    prompt: [Int32], answer: [Int32], rng: inout SeededGenerator
  ) throws -> LikelihoodEstimate {
    guard !answer.isEmpty else {
      throw ExperimentError(source: "--answer", problem: "is empty; nothing to score")
    }
    if prompt.contains(maskID) || answer.contains(maskID) {
      throw ExperimentError(source: "--prompt", problem: "contains the mask id \(maskID)")
    }
    let length = answer.count
    var values: [Double] = []
    var perToken = [Double](repeating: 0, count: length)
    var calls = 0
    for _ in 0..<(samples / batch) {
      for maskedCount in Self.stratifiedCounts(length: length, batch: batch, rng: &rng) {
        var order = Array(0..<length)
        order.shuffle(using: &rng)
        let masked = Array(order.prefix(maskedCount))
        var canvas = prompt + answer
        for j in masked { canvas[prompt.count + j] = maskID }
        let logits = try guidedLogits(canvas, promptLength: prompt.count, calls: &calls)
        let weight = Double(length) / Double(maskedCount)
        var value = 0.0
        for j in masked {
          let lp = Self.logProbability(logits, row: prompt.count + j, token: answer[j]) * weight
          value += lp
          perToken[j] += lp
        }
        values.append(value)
      }
    }
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(1, n - 1)
    return LikelihoodEstimate(
      loglik: mean, stderr: (variance / n).squareRoot(), perToken: perToken.map { $0 / n },
      samples: values.count, forwardPasses: calls)
  }

  /// The masked counts of one batch: k uniform on 1...L, l_i = ((k + c_i - 1) mod L) + 1 with
  /// c_i = i·L/b rounded half up.
  public static func stratifiedCounts(
    length: Int, batch: Int, rng: inout SeededGenerator
  ) -> [Int] {
    let k = Int.random(in: 1...length, using: &rng)
    return (0..<batch).map { i in
      let offset = Int((Double(i) * Double(length) / Double(batch) + 0.5).rounded(.down))
      return (k + offset - 1) % length + 1
    }
  }

  private func guidedLogits(_ canvas: [Int32], promptLength: Int, calls: inout Int) throws
    -> Matrix
  {
    var cond = try model.logits(for: canvas)
    calls += 1
    guard cfgScale > 0 else { return cond }
    var unconditional = canvas
    for i in 0..<promptLength { unconditional[i] = maskID }
    let un = try model.logits(for: unconditional)
    calls += 1
    let scale = Float(cfgScale + 1)
    for i in cond.values.indices {
      cond.values[i] = un.values[i] + scale * (cond.values[i] - un.values[i])
    }
    return cond
  }

  /// log softmax(row)[token], in float64 (log-sum-exp with the maximum subtracted).
  static func logProbability(_ logits: Matrix, row: Int, token: Int32) -> Double {
    var maximum = -Double.infinity
    for c in 0..<logits.columns { maximum = max(maximum, Double(logits[row, c])) }
    var sum = 0.0
    for c in 0..<logits.columns { sum += exp(Double(logits[row, c]) - maximum) }
    return Double(logits[row, Int(token)]) - maximum - log(sum)
  }
}

/// One likelihood estimate.
public struct LikelihoodEstimate: Codable, Sendable {
  /// Estimated log p(answer | prompt) (nats; the ELBO).
  public var loglik: Double
  /// Standard error of `loglik`, from the sample values as if independent (stratification only
  /// lowers the true variance, so this errs on the large side).
  public var stderr: Double
  /// Each answer token's share of `loglik` (they sum to it).
  public var perToken: [Double]
  /// Samples drawn.
  public var samples: Int
  /// Model calls.
  public var forwardPasses: Int

  /// Answer length in tokens.
  public var tokens: Int { perToken.count }

  /// exp(−loglik / tokens): the perplexity the ELBO implies. The ELBO is a lower bound on
  /// log p, so this is an upper bound on the model's true perplexity (up to Monte-Carlo error).
  public var perplexity: Double { exp(-loglik / Double(max(1, tokens))) }

  enum CodingKeys: String, CodingKey {
    case loglik, stderr, samples
    case perToken = "per_token", forwardPasses = "forward_passes"
  }
}
