import Foundation
import Testing
import Unmask
import UnmaskExperiments

/// One case of `Tests/Fixtures/golden/nelbo-*.json` (`scripts/fixtures/make_nelbo_goldens.py`):
/// the reference's `_loss` of one sequence over its own draws, recorded with them.
struct NELBOGoldenCase: Decodable {
  var name: String
  var tokens: [Int32]
  var t_values: [TimeEntry]
  var masked_positions: [[Int]]
  var loss_per_t: [Double]
  var mean: Double
  var counted_tokens: Int?

  /// A number (MDLM) or a list of a time per block (BD3-LM).
  struct TimeEntry: Decodable {
    var times: [Double]
    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let t = try? container.decode(Double.self) {
        times = [t]
      } else {
        times = try container.decode([Double].self)
      }
    }
  }

  var draws: [NELBODraw] {
    zip(t_values, masked_positions).map { NELBODraw(times: $0.times, masked: $1) }
  }
}

struct MDLMNELBOGolden: Decodable {
  var fixture: String
  var cases: [NELBOGoldenCase]
}

struct BD3LMNELBOGolden: Decodable {
  struct Variant: Decodable {
    var config_overrides: [String: JSONValue]
    var t_range: [Double]
    var cases: [NELBOGoldenCase]
    var training_forward: TrainingForward?
  }
  struct TrainingForward: Decodable {
    var noisy: [Int32]
    var clean: [Int32]
    var sigma: Double
    var raw_file: String
    var shape: [Int]
  }
  var variants: [Variant]
}

extension BD3LMNELBOGolden.Variant {
  /// The overrides as config.json values.
  var overrides: [String: Any] {
    config_overrides.mapValues { value -> Any in
      if let b = value.boolValue { return b }
      if let i = value.intValue { return i }
      return value.doubleValue ?? 0
    }
  }
}

/// MDLM's and BD3-LM's NELBO against the reference's `_loss` (kuleshov-group/mdlm and bd3lms
/// `diffusion.py`) at the reference's own times and masks: every `loss_per_t` and the mean
/// within 1e-5 relative (the reference computes in float32, Unmask's sums in float64).
@Suite struct NELBOGoldenTests {
  static func relativeGap(_ ours: Double, _ reference: Double) -> Double {
    ours == reference ? 0 : abs(ours - reference) / max(abs(reference), 1e-12)
  }

  /// Compares one case; returns the worst relative gap.
  static func check(_ bound: any DiffusionBound, _ c: NELBOGoldenCase, label: String) throws
    -> Double
  {
    let estimate = try bound.estimate(tokens: c.tokens, draws: c.draws, source: c.name)
    #expect(estimate.lossPerT.count == c.loss_per_t.count)
    var worst = 0.0
    for (i, (ours, reference)) in zip(estimate.lossPerT, c.loss_per_t).enumerated() {
      let gap = relativeGap(ours, reference)
      worst = max(worst, gap)
      #expect(gap <= 1e-5, "\(label) draw \(i): \(ours) vs \(reference)")
      if reference == 0 { #expect(ours == 0, "\(label) draw \(i): nothing masked, no loss") }
    }
    let meanGap = relativeGap(estimate.mean, c.mean)
    #expect(meanGap <= 1e-5, "\(label) mean: \(estimate.mean) vs \(c.mean)")
    if let counted = c.counted_tokens { #expect(estimate.countedTokens == counted) }
    print("\(label): mean \(estimate.mean) (reference \(c.mean)), worst gap \(max(worst, meanGap))")
    return max(worst, meanGap)
  }

  @Test(arguments: ["mdlm", "mdlm-notime"])
  func mdlmMatchesTheReferenceLoss(family: String) throws {
    let golden = try JSONDecoder().decode(
      MDLMNELBOGolden.self, from: Data(contentsOf: DiTFixtures.golden("nelbo-\(family).json")))
    let model = try DiTFixtures.model(golden.fixture)
    let mask = try #require(model.maskTokenID)
    let bound = try #require(try ScoreBound.mdlm.diffusionBound(model: model, maskID: mask))
    var worst = 0.0
    for c in golden.cases {
      worst = max(worst, try Self.check(bound, c, label: "\(family) \(c.name)"))
    }
    print("\(family): worst relative gap \(worst), tolerance 1e-5")
  }

  @Test func bd3lmMatchesTheReferenceLoss() throws {
    let golden = try JSONDecoder().decode(
      BD3LMNELBOGolden.self, from: Data(contentsOf: DiTFixtures.golden("nelbo-bd3lm.json")))
    #expect(golden.variants.count == 3)
    var worst = 0.0
    for variant in golden.variants {
      let model = try DiTFixtures.bd3lm(variant.overrides)
      let bound = BD3LMBound(model: model, maskID: 199)
      #expect([bound.timeRange.lowerBound, bound.timeRange.upperBound] == variant.t_range)
      for c in variant.cases {
        let label = "bd3lm \(variant.overrides) \(c.name)"
        worst = max(worst, try Self.check(bound, c, label: label))
      }
    }
    print("bd3lm: worst relative gap \(worst), tolerance 1e-5")
  }

  /// The pass the block-wise NELBO reads: the x_t half of BD3LM's training forward on
  /// `x_t ⊕ x_0` (sample_mode False), every row and column, against the reference's logits.
  @Test func bd3lmTrainingForwardMatchesTheReference() throws {
    let golden = try JSONDecoder().decode(
      BD3LMNELBOGolden.self, from: Data(contentsOf: DiTFixtures.golden("nelbo-bd3lm.json")))
    for variant in golden.variants {
      guard let forward = variant.training_forward else { continue }
      let model = try DiTFixtures.bd3lm(variant.overrides)
      let reference = try NumPyFile.readFloat32(
        Data(contentsOf: DiTFixtures.golden(forward.raw_file)), source: forward.raw_file)
      #expect(reference.shape == forward.shape)
      let ours = try model.noisyHalfLogits(
        clean: forward.clean, noisy: [forward.noisy], sigmas: [forward.sigma])[0]
      #expect(ours.rows == forward.shape[0] && ours.columns == forward.shape[1])
      var gap: Float = 0
      var scale: Float = 0
      for (a, b) in zip(ours.values, reference.values) {
        gap = max(gap, abs(a - b))
        scale = max(scale, abs(b))
      }
      print("\(forward.raw_file): worst gap \(gap) (\(gap / scale) of max |logit| \(scale))")
      #expect(gap <= 1e-5 * scale)
    }
  }

  /// Asking for some rows gives those rows of the all-rows pass; several noisy versions at
  /// once give what each gives alone; blocks without a row asked for are skipped.
  @Test(arguments: [true, false])
  func noisyHalfRowsAreThoseOfTheFullPass(timeConditioned: Bool) throws {
    let model = try DiTFixtures.bd3lm(["time_conditioning": timeConditioned])
    let clean: [Int32] = [5, 17, 3, 90, 44, 2, 8, 61, 7, 150, 33]  // a short last block
    var a = clean
    var b = clean
    for j in [1, 4, 5, 10] { a[j] = 199 }
    for j in [0, 2, 9] { b[j] = 199 }
    let all = try model.noisyHalfLogits(clean: clean, noisy: [a, b], sigmas: [0.4, 2.5])
    let alone = try model.noisyHalfLogits(clean: clean, noisy: [b], sigmas: [2.5])[0]
    #expect(all[1].values == alone.values || maxGap(all[1].values, alone.values) <= 1e-6)
    let some = try model.noisyHalfLogits(
      clean: clean, noisy: [a, b], sigmas: [0.4, 2.5], rows: [[1, 4, 5, 10], [9]])
    for (i, rows) in [[1, 4, 5, 10], [9]].enumerated() {
      let expected = LogitRows.gather(rows, from: all[i])
      #expect(some[i].rows == rows.count)
      #expect(
        maxGap(some[i].values, expected.values) <= 1e-6 * (expected.values.map(abs).max() ?? 1))
    }
  }

  /// Without `cross_attn` the reference's NELBO runs x_t alone under the model's own mask.
  @Test func withoutCrossAttentionTheNoisyCanvasRunsAlone() throws {
    let model = try DiTFixtures.bd3lm(["cross_attn": false])
    let clean: [Int32] = [5, 17, 3, 90, 44, 2]
    var noisy = clean
    for j in [1, 4] { noisy[j] = 199 }
    let ours = try model.noisyHalfLogits(
      clean: clean, noisy: [noisy], sigmas: [1.5], rows: [[1, 4]])
    let alone = try model.logits(
      for: ForwardRequest([ForwardCanvas(tokens: noisy, rows: .positions([1, 4]), sigma: 1.5)]))
    #expect(ours[0].values == alone[0].values)
  }

  func maxGap(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }
}
