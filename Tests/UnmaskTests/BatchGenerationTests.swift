import Foundation
import Testing
import Unmask

/// Batches: several prompts of different lengths in one forward pass per step must give each
/// prompt exactly what it gives alone.
@Suite struct BatchGenerationTests {
  static let prompts: [[Int32]] = [
    [5, 6, 7], [10, 11, 12, 13, 14, 15, 16, 17, 18], [300], [42, 43, 44, 45, 46, 47],
  ]

  static func settings(
    _ preset: PresetName, mask: Int32, _ change: (inout DenoisingSettings) -> Void
  )
    -> DenoisingSettings
  {
    var s = DenoisingSettings.preset(preset)
    s.maskID = mask
    s.length = 16
    s.steps = 16
    s.blockLength = 8
    change(&s)
    return s
  }

  static let cases: [(String, PresetName, (inout DenoisingSettings) -> Void)] = [
    ("tiny-llada", .llada, { _ in }),
    ("tiny-llada", .llada, { $0.cfgScale = 1.5 }),
    ("tiny-llada", .fastDLLM, { $0.strategy = .threshold(0.5) }),
    ("tiny-llada-gqa", .llada, { $0.steps = 8 }),
    ("tiny-llada", .fastDLLM, { $0.cache = .dual }),
    ("tiny-dream", .dream, { _ in }),
    (
      "tiny-dream", .dream,
      {
        $0.cache = .prefix; $0.strategy = .dreamThreshold(0.9)
      }
    ),
  ]

  @Test(arguments: 0..<cases.count)
  func everyRowEqualsThatPromptAlone(index: Int) throws {
    let (fixture, preset, change) = Self.cases[index]
    let model = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
    let mask = try #require(model.maskTokenID)
    let denoiser = try Denoiser(model: model, settings: Self.settings(preset, mask: mask, change))
    let batch = try denoiser.generate(batch: Self.prompts)
    #expect(batch.count == Self.prompts.count)
    for (prompt, result) in zip(Self.prompts, batch) {
      let alone = try denoiser.generate(prompt: prompt)
      #expect(result.generated == alone.generated, "\(fixture) case \(index) prompt \(prompt)")
      #expect(result.forwardPasses == alone.forwardPasses)
      #expect(result.steps == alone.steps)
    }
  }

  @Test(arguments: ["tiny-llada", "tiny-llada-gqa", "tiny-dream"])
  func batchedLogitsEqualSingleLogits(fixture: String) throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
    let batched = try #require(model as? any BatchMaskPredictor)
    let out = try batched.logits(forBatch: Self.prompts)
    var worst: Float = 0
    for (prompt, logits) in zip(Self.prompts, out) {
      let alone = try model.logits(for: prompt)
      #expect(logits.rows == alone.rows && logits.columns == alone.columns)
      worst = max(worst, zip(logits.values, alone.values).reduce(0) { max($0, abs($1.0 - $1.1)) })
    }
    print("\(fixture): worst gap between batched and single logits \(worst)")
    #expect(worst < 1e-4)
  }
}
