import Foundation
import Testing
import Unmask
import UnmaskExperiments

/// Gauss-Legendre quadrature, composite over panels: ∫ f on [a, b].
enum Quadrature {
  /// Nodes and weights of the `n`-point rule on [-1, 1], `n >= 2` (Newton's method on the
  /// Legendre polynomial Pₙ from Chebyshev-like starting points).
  static func legendre(_ n: Int) -> [(x: Double, w: Double)] {
    (0..<n).map { i in
      var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
      var derivative = 0.0
      for _ in 0..<100 {
        var (previous, current) = (1.0, x)  // P₀, P₁
        for k in 2...n {
          let next = ((2 * Double(k) - 1) * x * current - (Double(k) - 1) * previous) / Double(k)
          (previous, current) = (current, next)
        }
        derivative = Double(n) * (x * current - previous) / (x * x - 1)
        let step = current / derivative
        x -= step
        if abs(step) < 1e-15 { break }
      }
      return (x, 2 / ((1 - x * x) * derivative * derivative))
    }
  }

  /// Nodes and weights over `panels` (consecutive breakpoints), `n` points each.
  static func composite(_ panels: [Double], points n: Int = 8) -> [(t: Double, w: Double)] {
    let rule = legendre(n)
    return zip(panels, panels.dropFirst()).flatMap { a, b in
      rule.map { ((a + b) / 2 + (b - a) / 2 * $0.x, (b - a) / 2 * $0.w) }
    }
  }

  /// Breakpoints on [ε, 1], dense near 1 where σ(t) = -log(1 - (1 - ε)t) turns steeply.
  static let panels = [1e-3, 0.25, 0.5, 0.75, 0.9, 0.97, 0.99, 0.997, 1]
}

/// Over their own draws the NELBO estimators are unbiased: on a tiny checkpoint and a short
/// sequence, the mean of many seeded estimates agrees (within a few standard errors) with the
/// exact expectation, computed by enumerating every mask set and integrating over t by
/// quadrature, as `LikelihoodEstimatorTests` checks LLaDA's ELBO.
@Suite struct NELBOUnbiasednessTests {
  /// Mean and standard error of `runs` estimates, each over `samples` draws in one group.
  static func monteCarlo(
    _ bound: any DiffusionBound, tokens: [Int32], runs: Int, samples: Int
  ) throws -> (mean: Double, stderr: Double) {
    var values: [Double] = []
    for seed in 0..<runs {
      var rng = SeededGenerator(seed: UInt64(seed))
      values.append(
        try bound.estimate(
          tokens: tokens, samples: samples, batch: samples, rng: &rng, source: "test"
        ).mean)
    }
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
  }

  /// MDLM: E = 1/(1-ε) ∫_ε^1 Σ_S α(t)^|S| (1-α(t))^(L-|S|) loss(S, t) dt, every S ⊆ 0..<L, the
  /// time-conditioned network evaluated at each quadrature node.
  @Test(arguments: ["tiny-mdlm", "tiny-mdlm-notime"])
  func mdlmIsUnbiased(fixture: String) throws {
    let model = try DiTFixtures.model(fixture)
    let bound = MDLMBound(model: model, maskID: 199)
    let tokens: [Int32] = [17, 150, 3, 88]
    let L = tokens.count
    let subsets = (1..<(1 << L)).map { bits in (0..<L).filter { bits >> $0 & 1 == 1 } }
    var exact = 0.0
    for (t, w) in Quadrature.composite(Quadrature.panels) {
      let draws = subsets.map { NELBODraw(times: [t], masked: $0) }
      let losses = try bound.losses(tokens: tokens, draws: draws).values
      let alpha = bound.schedule.moveChance(at: t)
      for (subset, loss) in zip(subsets, losses) {
        let k = Double(subset.count)
        exact += w * pow(alpha, k) * pow(1 - alpha, Double(L) - k) * loss
      }
    }
    exact /= 1 - bound.samplingEpsilon
    let (mean, stderr) = try Self.monteCarlo(bound, tokens: tokens, runs: 400, samples: 8)
    print("\(fixture): exact \(exact), mean of 400 estimates \(mean) ± \(stderr)")
    #expect(stderr > 0 && stderr < 0.05 * exact, "the test must be able to see a bias")
    #expect(abs(mean - exact) < 4 * stderr)
  }

  /// BD3-LM without time conditioning (the published setting): block b's terms depend only on
  /// its own t and mask (its rows see the clean blocks before it), so
  /// E = Σ_b Σ_{S ⊆ block b} c(S) · 1/(1-ε) ∫_ε^1 t^|S| (1-t)^(n_b-|S|) / t dt, with c(S) the
  /// summed -log p of S over the counted positions; position 0 stays clean (ignore_bos).
  @Test func bd3lmIsUnbiasedPerBlock() throws {
    let model = try DiTFixtures.bd3lm(["time_conditioning": false])
    let bound = BD3LMBound(model: model, maskID: 199)
    #expect(bound.timeSampling == .perBlock)
    let tokens: [Int32] = [4, 61, 9, 130, 77, 2, 45, 190]  // two blocks of 4
    let blocks = [Array(1..<4), Array(4..<8)]  // the maskable positions of each
    let nodes = Quadrature.composite(Quadrature.panels)
    var exact = 0.0
    for positions in blocks {
      let n = positions.count
      let subsets = (1..<(1 << n)).map { bits in
        (0..<n).filter { bits >> $0 & 1 == 1 }.map { positions[$0] }
      }
      // At t = 1 the weight is 1: each loss is c(S) / counted.
      let draws = subsets.map { NELBODraw(times: [1, 1], masked: $0) }
      let costs = try bound.losses(tokens: tokens, draws: draws).values
      for (subset, cost) in zip(subsets, costs) {
        let k = Double(subset.count)
        let integral = nodes.reduce(0) {
          $0 + $1.w * pow($1.t, k - 1) * pow(1 - $1.t, Double(n) - k)
        }
        exact += cost * integral / (1 - 1e-3)
      }
    }
    let (mean, stderr) = try Self.monteCarlo(bound, tokens: tokens, runs: 400, samples: 8)
    print("bd3lm (no time conditioning): exact \(exact), mean of 400 estimates \(mean) ± \(stderr)")
    #expect(stderr > 0 && stderr < 0.05 * exact, "the test must be able to see a bias")
    #expect(abs(mean - exact) < 4 * stderr)
  }

  /// MDLM's antithetic times: one in each n-th of [0, 1) before the map to [ε, 1).
  @Test func mdlmTimesAreAntithetic() {
    let bound = MDLMBound(model: ContextPredictor(), maskID: 5)
    var rng = SeededGenerator(seed: 4)
    let n = 7
    let times = bound.sampleTimes(count: n, length: 3, rng: &rng).map { $0[0] }
    let strata = times.map { Int(((($0 - 1e-3) / (1 - 1e-3)) * Double(n)).rounded(.down)) }
    #expect(strata == Array(0..<n))
  }

  /// BD3-LM's per-block times cover every stratum once per block; the reference's scheme gives
  /// block b only the strata i·blocks + b (so a block never sees most of [0, 1)).
  @Test func bd3lmTimeStratification() throws {
    let model = try DiTFixtures.bd3lm()
    let n = 6
    let length = 12  // three blocks of 4
    for sampling in BD3LMBound.TimeSampling.allCases {
      let bound = BD3LMBound(model: model, maskID: 199, timeSampling: sampling)
      var rng = SeededGenerator(seed: 9)
      let times = bound.sampleTimes(count: n, length: length, rng: &rng)
      #expect(times.count == n && times.allSatisfy { $0.count == 3 })
      func unit(_ t: Double) -> Double { (t - 1e-3) / (1 - 1e-3) }
      for b in 0..<3 {
        let column = times.map { unit($0[b]) }
        switch sampling {
        case .perBlock:
          #expect(Set(column.map { Int(($0 * Double(n)).rounded(.down)) }) == Set(0..<n))
        case .reference:
          let strata = column.map { Int(($0 * Double(3 * n)).rounded(.down)) }
          #expect(strata == (0..<n).map { $0 * 3 + b })
        }
      }
    }
  }

  /// Block length 1 is the evaluation's exact likelihood: t = 1, every position but the first
  /// masked, one value whatever the seed.
  @Test func bd3lmBlockLengthOneIsTheExactLikelihood() throws {
    let bound = BD3LMBound(
      model: try DiTFixtures.bd3lm(["block_size": 1, "time_conditioning": false]), maskID: 199)
    let tokens: [Int32] = [3, 8, 13, 21, 34]
    var a = SeededGenerator(seed: 1)
    var b = SeededGenerator(seed: 2)
    let x = try bound.estimate(tokens: tokens, samples: 4, batch: 2, rng: &a, source: "t")
    let y = try bound.estimate(tokens: tokens, samples: 2, batch: 2, rng: &b, source: "t")
    #expect(x.draws.allSatisfy { $0.times.allSatisfy { $0 == 1 } && $0.masked == [1, 2, 3, 4] })
    #expect(abs(x.mean - y.mean) <= 1e-12 * abs(x.mean) && x.stderr < 1e-12)
  }
}
