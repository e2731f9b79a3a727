import Foundation
import Testing
import UnmaskCore
@testable import UnmaskSampling

/// The sampled token follows softmax(logits / T) at every temperature, on both proposal paths
/// (LLaDA's float64 Gumbel-max, Dream's float32 softmax and categorical draw) and after
/// Dream's top-k filter. One canvas position, one step, many seeds; a chi-square goodness-of-fit
/// test at significance 1e-4 (so a correct sampler fails about once in 10,000 runs; the seeds
/// are fixed, so a given build passes or fails every time).
@Suite("Temperature: tokens follow softmax(logits / T)")
struct TemperatureTests {
  /// Logits chosen so T = 0.5, 1 and 2 give clearly different distributions.
  static let row: [Float] = [0, 1, 2, 0.5, -1, 1.5]
  static let draws = 4000

  /// 0.9999 quantiles of the chi-square distribution with 1...7 degrees of freedom
  /// (scipy.stats.chi2.ppf(1 - 1e-4, df)).
  static let critical: [Double] = [15.137, 18.421, 21.108, 23.513, 25.745, 27.856, 29.878]

  struct Case: CustomTestStringConvertible, Sendable {
    var rule: ProposalRule
    var temperature: Double
    var topK: Int?
    var testDescription: String {
      "\(rule) T=\(temperature)" + (topK.map { " top-k \($0)" } ?? "")
    }
  }

  static let cases: [Case] =
    [ProposalRule.llada, .dream].flatMap { rule in
      [0.5, 1, 2].map { Case(rule: rule, temperature: $0, topK: nil) }
    } + [
      Case(rule: .dream, temperature: 0.5, topK: 4), Case(rule: .dream, temperature: 2, topK: 3),
      Case(rule: .llada, temperature: 2, topK: 3),
    ]

  /// softmax(row / T) over the tokens a top-k filter keeps (all when `topK` is nil).
  static func expected(temperature: Double, topK: Int?) -> [Double] {
    let kept = topK.map { k in Set(row.indices.sorted { row[$0] > row[$1] }.prefix(k)) }
    let weights = row.indices.map { j in
      kept.map { $0.contains(j) } ?? true ? exp(Double(row[j]) / temperature) : 0
    }
    let total = weights.reduce(0, +)
    return weights.map { $0 / total }
  }

  /// Pearson's statistic over bins with expected count >= 5 (smaller ones pooled into one
  /// bin, so the chi-square approximation holds); returns the statistic and its degrees of
  /// freedom. A token with probability 0 that is drawn makes the statistic infinite.
  static func chiSquare(counts: [Int], probabilities: [Double]) -> (statistic: Double, df: Int) {
    let n = Double(counts.reduce(0, +))
    var bins: [(observed: Double, expected: Double)] = []
    var pooled = (observed: 0.0, expected: 0.0)
    for (count, p) in zip(counts, probabilities) {
      if p == 0 {
        if count > 0 { return (.infinity, 1) }
      } else if n * p < 5 {
        pooled.observed += Double(count)
        pooled.expected += n * p
      } else {
        bins.append((Double(count), n * p))
      }
    }
    if pooled.expected > 0 { bins.append(pooled) }
    var statistic = 0.0
    for bin in bins {
      statistic += (bin.observed - bin.expected) * (bin.observed - bin.expected) / bin.expected
    }
    return (statistic, bins.count - 1)
  }

  @Test(arguments: cases)
  func sampledTokensFollowTheTemperedSoftmax(_ c: Case) throws {
    let model = FixedPredictor(row: Self.row)
    var s = DenoisingSettings()
    s.length = 1
    s.steps = 1
    s.blockLength = 1
    s.maskID = 5  // a real column too: the sampler may propose it like any other token
    s.eosID = nil
    s.eotID = nil
    s.proposal = c.rule
    s.temperature = c.temperature
    s.topK = c.topK
    var counts = [Int](repeating: 0, count: Self.row.count)
    for seed in 0..<Self.draws {
      s.seed = UInt64(seed)
      let out = try Denoiser(model: model, settings: s).generate(prompt: [0])
      counts[Int(out.generated[0])] += 1
    }
    let p = Self.expected(temperature: c.temperature, topK: c.topK)
    let (statistic, df) = Self.chiSquare(counts: counts, probabilities: p)
    let limit = Self.critical[df - 1]
    print(
      "\(c.testDescription): chi-square \(statistic) on \(df) df (limit \(limit)), counts \(counts)"
    )
    #expect(statistic < limit, "\(c.testDescription): counts \(counts), expected \(p)")

    // The test has power against a sampler that ignores T: at T != 1 the T = 1 distribution
    // would give an expected statistic (noncentrality + df) far above the limit with this
    // many draws, so such a sampler fails with near certainty.
    if c.temperature != 1 {
      let ignored = Self.expected(temperature: 1, topK: c.topK)
      var noncentrality = 0.0
      for (wrong, right) in zip(ignored, p) where right > 0 {
        noncentrality += Double(Self.draws) * (wrong - right) * (wrong - right) / right
      }
      #expect(noncentrality > 5 * limit, "\(c.testDescription): T = 1 is too close to tell apart")
    }
  }

  @Test func chiSquareRejectsAWrongDistribution() {
    let p = Self.expected(temperature: 0.5, topK: nil)
    let right = p.map { Int(($0 * 4000).rounded()) }
    let wrong = Self.expected(temperature: 1, topK: nil).map { Int(($0 * 4000).rounded()) }
    let (ok, df) = Self.chiSquare(counts: right, probabilities: p)
    #expect(ok < 1 && df >= 3)
    #expect(Self.chiSquare(counts: wrong, probabilities: p).statistic > 100)
    #expect(Self.chiSquare(counts: [1, 0], probabilities: [0, 1]).statistic == .infinity)
  }
}
