import Foundation
import Testing
import Unmask
import UnmaskExperiments

/// A predictor whose logits at each position depend on the whole canvas (which tokens are
/// masked and where), so the exact ELBO differs from any per-token shortcut.
final class ContextPredictor: MaskPredictor {
  let vocabularySize = 6
  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    var m = Matrix(rows: tokens.count, columns: vocabularySize)
    let visible = tokens.reduce(0) { $0 + ($1 == 5 ? 0 : Int($1) + 1) }
    for row in 0..<tokens.count {
      for c in 0..<5 {
        m[row, c] = Float(sin(Double(row * 7 + c * 3 + visible)) * 1.5)
      }
      m[row, 5] = -3
    }
    return m
  }
}

@Suite struct LikelihoodEstimatorTests {
  let prompt: [Int32] = [1, 3]
  let answer: [Int32] = [2, 0, 4]

  /// E over l uniform on 1...L and a uniform subset of size l of (L/l) Σ log p: every subset.
  func exactELBO() throws -> Double { try exactELBO(prompt: prompt) }

  /// The exact ELBO of `answer` after `prompt` (which may be empty).
  func exactELBO(prompt: [Int32]) throws -> Double {
    let model = ContextPredictor()
    let L = answer.count
    var total = 0.0
    for l in 1...L {
      var sum = 0.0
      var subsets = 0
      for bits in 0..<(1 << L) where bits.nonzeroBitCount == l {
        var canvas = prompt + answer
        for j in 0..<L where bits >> j & 1 == 1 { canvas[prompt.count + j] = 5 }
        let logits = try model.logits(for: canvas)
        var value = 0.0
        for j in 0..<L where bits >> j & 1 == 1 {
          let row = (0..<6).map { Double(logits[prompt.count + j, $0]) }
          let lse = log(row.map { exp($0) }.reduce(0, +))
          value += row[Int(answer[j])] - lse
        }
        sum += Double(L) / Double(l) * value
        subsets += 1
      }
      total += sum / Double(subsets)
    }
    return total / Double(L)
  }

  @Test func unbiasedAgainstExactEnumeration() throws {
    let exact = try exactELBO()
    // Batch 2 over L = 3 is the case the reference's half-to-even rounding gets wrong.
    let estimator = try LikelihoodEstimator(
      model: ContextPredictor(), maskID: 5, samples: 8, batch: 2)
    var estimates: [Double] = []
    for seed in 0..<400 {
      var rng = SeededGenerator(seed: UInt64(seed))
      estimates.append(try estimator.estimate(prompt: prompt, answer: answer, rng: &rng).loglik)
    }
    let n = Double(estimates.count)
    let mean = estimates.reduce(0, +) / n
    let sd = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
    let stderr = sd / n.squareRoot()
    print("exact \(exact), mean of 400 estimates \(mean) ± \(stderr)")
    #expect(abs(mean - exact) < 3.5 * stderr)
    #expect(stderr > 0)
  }

  @Test func emptyPromptIsUnbiasedToo() throws {
    // LLaDA scores text unconditionally this way (`unmask score --text`).
    let exact = try exactELBO(prompt: [])
    #expect(abs(exact - (try exactELBO())) > 1e-6, "the prompt must matter for this test to bite")
    let estimator = try LikelihoodEstimator(
      model: ContextPredictor(), maskID: 5, samples: 8, batch: 4)
    var estimates: [Double] = []
    for seed in 0..<400 {
      var rng = SeededGenerator(seed: UInt64(seed))
      let e = try estimator.estimate(prompt: [], answer: answer, rng: &rng)
      #expect(e.perToken.count == answer.count && e.loglik.isFinite)
      estimates.append(e.loglik)
    }
    let n = Double(estimates.count)
    let mean = estimates.reduce(0, +) / n
    let sd = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
    print("empty prompt: exact \(exact), mean of 400 estimates \(mean) ± \(sd / n.squareRoot())")
    #expect(abs(mean - exact) < 3.5 * sd / n.squareRoot())
  }

  @Test func perplexityIsExpOfMinusLoglikPerToken() throws {
    let estimator = try LikelihoodEstimator(
      model: ContextPredictor(), maskID: 5, samples: 16, batch: 4)
    var rng = SeededGenerator(seed: 2)
    let e = try estimator.estimate(prompt: prompt, answer: answer, rng: &rng)
    #expect(e.tokens == 3)
    #expect(e.perplexity == exp(-e.loglik / 3))
    #expect(e.perplexity > 1)
  }

  @Test(arguments: [(3, 2), (3, 16), (5, 4), (7, 3), (1, 4)])
  func everyStratifiedCountIsUniform(length: Int, batch: Int) {
    // Over the L values of k, each batch slot takes every l in 1...L exactly once.
    for slot in 0..<batch {
      var seen = Set<Int>()
      for k in 1...length {
        let offset = Int((Double(slot) * Double(length) / Double(batch) + 0.5).rounded(.down))
        seen.insert((k + offset - 1) % length + 1)
      }
      #expect(seen == Set(1...length))
    }
    var rng = SeededGenerator(seed: 3)
    let counts = LikelihoodEstimator.stratifiedCounts(length: length, batch: batch, rng: &rng)
    #expect(counts.count == batch && counts.allSatisfy { (1...length).contains($0) })
  }

  @Test func sameSeedSameEstimateAndPerTokenSums() throws {
    let estimator = try LikelihoodEstimator(
      model: ContextPredictor(), maskID: 5, samples: 32, batch: 8)
    var a = SeededGenerator(seed: 9)
    var b = SeededGenerator(seed: 9)
    let x = try estimator.estimate(prompt: prompt, answer: answer, rng: &a)
    let y = try estimator.estimate(prompt: prompt, answer: answer, rng: &b)
    #expect(x.loglik == y.loglik && x.samples == 32 && x.forwardPasses == 32)
    #expect(abs(x.perToken.reduce(0, +) - x.loglik) < 1e-9)
  }

  @Test func badArgumentsNameTheFlag() {
    #expect(throws: ExperimentError.self) {
      _ = try LikelihoodEstimator(model: ContextPredictor(), maskID: 5, samples: 4, batch: 8)
    }
    #expect(throws: ExperimentError.self) {
      let e = try LikelihoodEstimator(model: ContextPredictor(), maskID: 5, samples: 8, batch: 8)
      var rng = SeededGenerator(seed: 1)
      _ = try e.estimate(prompt: [1], answer: [], rng: &rng)
    }
  }
}
