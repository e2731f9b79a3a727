import Foundation
import Testing
import UnmaskCore

@testable import UnmaskSampling

/// One step of the ancestral samplers under Unmask's own generator against the exact
/// transition `q(x_s | x_t)`: many positions with the same logits take one step, and the counts
/// of their outcomes (each token, or still masked) must pass a chi-square test against
/// `p_v (m_t - m_s) / m_t` and `m_s / m_t`. The replay goldens (KuleshovReplayGoldenTests) fix
/// the reference's Gumbel path token for token; these fix the distribution of the inverse-CDF
/// path that runs without a recording (and of the Gumbel path fed by the generator).
///
/// The threshold is the chi-square quantile at p = 1e-4 (Wilson-Hilferty), so the seeded
/// draws pass with a wide margin and a wrong transition fails: a mutation that drops the mask
/// weight from the inverse CDF (`target = u * total`) gives a statistic above 1000.
@Suite struct AncestralTransitionTests {
  /// The same logits at every position, the mask's column last.
  final class FixedLogits: MaskPredictor {
    let row: [Float]
    let attentionMask: AttentionMask
    init(_ row: [Float], mask: AttentionMask = .full) {
      self.row = row
      attentionMask = mask
    }
    var vocabularySize: Int { row.count }
    func logits(for request: ForwardRequest) throws -> [Matrix] {
      try request.computingWholeCanvases { tokens in
        Matrix(
          rows: tokens.count, columns: row.count,
          values: Array((0..<tokens.count).map { _ in row }.joined()))
      }
    }
  }

  /// Stops the run after its first step.
  final class FirstStep: DenoisingObserver {
    func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision { .stop }
  }

  /// Stops the run after its first step, reading only the canvas: MDLM's reveal-first path.
  final class FirstStepCanvasOnly: DenoisingObserver {
    var readsPositionScores: Bool { false }
    func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision { .stop }
  }

  /// The generator, drawing every uniform the reference draws (the replay path).
  struct ReferenceOrder: UniformSource {
    var rng: SeededGenerator
    var replaysReference: Bool { true }
    mutating func uniforms(_ count: Int, precision: UniformPrecision) throws -> [Double] {
      try rng.uniforms(count, precision: precision)
    }
  }

  static let logits: [Float] = [0.3, -0.2, 1.0, 0.1, -0.5, 2.0]
  static let positions = 1000

  /// SUBS probabilities of `logits` (mask column last, excluded).
  static func subs() -> [Double] {
    let tokens = logits.dropLast().map { Foundation.exp(Double($0)) }
    let total = tokens.reduce(0, +)
    return tokens.map { $0 / total }
  }

  /// Pearson's statistic of `counts` against `expected` probabilities.
  static func chiSquare(_ counts: [Int], _ expected: [Double]) -> Double {
    let n = Double(counts.reduce(0, +))
    return zip(counts, expected).reduce(0) { $0 + pow(Double($1.0) - n * $1.1, 2) / (n * $1.1) }
  }

  /// The chi-square quantile at p = 1e-4 (Wilson-Hilferty).
  static func critical(df: Int) -> Double {
    let k = Double(df)
    let z = 3.719  // the standard normal quantile at 1 - 1e-4
    return k * pow(1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot(), 3)
  }

  /// Outcome counts of one step: tokens 0..<V-1, then still masked.
  static func counts(_ canvas: [Int32], vocabulary: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: vocabulary)
    for x in canvas { counts[Int(x)] += 1 }
    return counts
  }

  static func mdlmSettings() throws -> DenoisingSettings {
    var s = try #require(DenoisingSettings.ancestralPreset(.mdlm))
    s.maskID = Int32(logits.count - 1)
    s.length = positions
    s.blockLength = positions
    s.steps = 2
    return s
  }

  /// The three ways a step is drawn: the reference's Gumbel argmax over every row, the inverse
  /// CDF of each masked row, and reveal-first (the rows' mask weight decides, then the
  /// revealed rows' p_x0), which runs when no observer reads per-position scores.
  enum StepDraw: CaseIterable { case gumbel, inverseCDF, revealFirst }

  @Test(arguments: StepDraw.allCases)
  func mdlmCacheStepMatchesItsTransition(draw: StepDraw) throws {
    let settings = try Self.mdlmSettings()
    let denoiser = try Denoiser(model: FixedLogits(Self.logits), settings: settings)
    let canvas = [Int32](repeating: settings.maskID, count: Self.positions)
    var draws: any UniformSource =
      draw == .gumbel ? ReferenceOrder(rng: SeededGenerator(seed: 11)) : SeededGenerator(seed: 11)
    let observer: DenoisingObserver = draw == .revealFirst ? FirstStepCanvasOnly() : FirstStep()
    let result = try denoiser.generate(
      canvas: canvas, promptLength: 0, draws: &draws, observers: [observer])
    // m_t = t = 1, m_s = 1 - dt (float32): the grid's first step.
    let t = CommitCounter.dreamTimesteps(count: 3, eps: 1e-5)[0]
    let s = t - Float((1 - 1e-5) / 2.0)
    let total = Double(t - s) + Double(s)
    let expected = Self.subs().map { $0 * Double(t - s) / total } + [Double(s) / total]
    let stat = Self.chiSquare(Self.counts(result.canvas, vocabulary: Self.logits.count), expected)
    print("ddpm-cache step (\(draw)): chi-square \(stat)")
    #expect(stat < Self.critical(df: Self.logits.count - 1))
  }

  /// MDLM's analytic update (`--sampler analytic`): the staggered score times the reverse
  /// transition is `ddpm`'s distribution, `p · (α_s - α_t) / (1 - α_t)` and the mask the rest,
  /// which on the log-linear schedule is `(t - s) / t`.
  @Test(arguments: [StepDraw.gumbel, .inverseCDF])
  func mdlmAnalyticStepMatchesItsTransition(draw: StepDraw) throws {
    var settings = try Self.mdlmSettings()
    settings.sampler = .analytic
    let denoiser = try Denoiser(model: FixedLogits(Self.logits), settings: settings)
    var draws: any UniformSource =
      draw == .gumbel ? ReferenceOrder(rng: SeededGenerator(seed: 12)) : SeededGenerator(seed: 12)
    let result = try denoiser.generate(
      canvas: [Int32](repeating: settings.maskID, count: Self.positions), promptLength: 0,
      draws: &draws, observers: [FirstStep()])
    let (t, s) = (1.0, 1 - (1 - 1e-5) / 2.0)
    let expected = Self.subs().map { $0 * (t - s) / t } + [s / t]
    let stat = Self.chiSquare(Self.counts(result.canvas, vocabulary: Self.logits.count), expected)
    print("analytic step (\(draw)): chi-square \(stat)")
    #expect(stat < Self.critical(df: Self.logits.count - 1))
  }

  @Test func bd3lmGridStepMatchesItsTransition() throws {
    var settings = try #require(DenoisingSettings.ancestralPreset(.bd3lm))
    settings.maskID = Int32(Self.logits.count - 1)
    settings.length = Self.positions
    settings.blockLength = Self.positions
    settings.firstHitting = false
    settings.cache = .none
    settings.topP = nil
    settings.steps = 4  // linspace(1, 0, 4): the first step goes from t = 1 to m_s = 0.75
    let model = FixedLogits(Self.logits, mask: .blockCausal(blockLength: Self.positions))
    let denoiser = try Denoiser(model: model, settings: settings)
    var draws: any UniformSource = SeededGenerator(seed: 5)
    let result = try denoiser.generate(
      canvas: [Int32](repeating: settings.maskID, count: Self.positions), promptLength: 0,
      draws: &draws, observers: [FirstStep()])
    let maskProbability = 0.75
    let expected = Self.subs().map { $0 * (1 - maskProbability) } + [maskProbability]
    let stat = Self.chiSquare(Self.counts(result.canvas, vocabulary: Self.logits.count), expected)
    print("semi-ar grid step: chi-square \(stat)")
    #expect(stat < Self.critical(df: Self.logits.count - 1))
  }

  /// The nucleus cut from a histogram of candidates equals the cut after a full sort.
  @Test(arguments: [UniformPrecision.float32, .float64])
  func nucleusFilterEqualsAFullSort(precision: UniformPrecision) throws {
    var rng = SeededGenerator(seed: 9)
    for trial in 0..<40 {
      let v = 2000
      // Peaked and flat rows: exp of normals with a trial-dependent spread.
      let spread = 0.2 + Double(trial) / 4
      var p = try (0..<v).map { _ in
        let u = try rng.uniforms(2, precision: .float64)
        return Foundation.exp(
          spread * (-2 * Foundation.log(1 - u[0])).squareRoot() * Foundation.cos(2 * .pi * u[1]))
      }
      let total = p.reduce(0, +)
      p = p.map { precision == .float32 ? Double(Float($0 / total)) : $0 / total }
      let topP = [0.5, 0.8, 0.9, 0.95][trial % 4]
      let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
      var expected = [Double](repeating: 0, count: v)
      var cumulative = 0.0
      var keptMass = 0.0
      var keptMassFloat: Float = 0
      for (rank, j) in order.enumerated() {
        cumulative += p[j]
        let inside = precision == .float32 ? Float(cumulative) <= Float(topP) : cumulative <= topP
        if inside || rank == 0 {
          expected[j] = p[j]
          keptMass += p[j]
          keptMassFloat += Float(p[j])
        }
      }
      expected = expected.map {
        $0 == 0 ? 0 : precision == .float32 ? Double(Float($0) / keptMassFloat) : $0 / keptMass
      }
      #expect(NucleusFilter.filter(p, topP: topP, precision: precision) == expected, "\(trial)")
    }
  }

  @Test func aSeedReproducesARunAndAnotherSeedDoesNot() throws {
    var settings = try Self.mdlmSettings()
    settings.length = 64
    settings.steps = 16
    func run(_ seed: UInt64) throws -> [Int32] {
      settings.seed = seed
      return try Denoiser(model: FixedLogits(Self.logits), settings: settings)
        .generate(prompt: []).canvas
    }
    #expect(try run(3) == run(3))
    #expect(try run(3) != run(4))
    #expect(try !run(3).contains(settings.maskID))  // noise removal leaves no mask
  }
}
