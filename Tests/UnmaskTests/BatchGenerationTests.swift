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
    // Lanes whose blocks end at different steps: fills and windows in one batched pass.
    (
      "tiny-llada", .fastDLLM,
      {
        $0.cache = .prefix; $0.strategy = .threshold(0.3)
      }
    ),
    (
      "tiny-llada-gqa", .fastDLLM,
      {
        $0.cache = .dual; $0.strategy = .threshold(0.5)
      }
    ),
    (
      "tiny-dream", .dream,
      {
        $0.cache = .dual; $0.blockLength = 4
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
    let out = try model.logits(
      for: ForwardRequest(Self.prompts.map { ForwardCanvas(tokens: $0) }))
    var worst: Float = 0
    for (prompt, logits) in zip(Self.prompts, out) {
      let alone = try model.logits(for: prompt)
      #expect(logits.rows == alone.rows && logits.columns == alone.columns)
      worst = max(worst, zip(logits.values, alone.values).reduce(0) { max($0, abs($1.0 - $1.1)) })
    }
    print("\(fixture): worst gap between batched and single logits \(worst)")
    #expect(worst < 1e-4)
  }

  /// With a cache, the lanes' passes go through the model's batched cached pass: one per step
  /// of the batch, not one per prompt.
  @Test func cachedPassesRunTogether() throws {
    let model = try ModelRegistry.load(
      contentsOf: Fixtures.root.appendingPathComponent("tiny-llada"))
    let counting = CountingBatchedModel(model)
    let mask = try #require(model.maskTokenID)
    let settings = Self.settings(.fastDLLM, mask: mask) { $0.cache = .dual }
    let batch = try Denoiser(model: counting, settings: settings).generate(batch: Self.prompts)
    let alone = try Denoiser(model: model, settings: settings).generate(batch: [Self.prompts[0]])
    #expect(batch[0].generated == alone[0].generated)
    // As many batched passes as the longest run has steps (16), and no single-canvas pass.
    let steps = batch.map(\.steps)
    print("cached batch: steps \(steps), batched passes \(counting.batchedPasses)")
    #expect(counting.batchedPasses == steps.max())
    #expect(steps.max() == 16)
    #expect(counting.singlePasses == 0)
    #expect(batch[0].forwardPasses == alone[0].forwardPasses)
  }
}

/// Forwards to a model and counts its batched passes (several canvases) and its single passes.
final class CountingBatchedModel: MaskPredictor {
  let base: any MaskPredictor
  private(set) var batchedPasses = 0
  private(set) var singlePasses = 0
  init(_ base: any MaskPredictor) { self.base = base }
  var vocabularySize: Int { base.vocabularySize }
  func makeKVCache(positions: Int) -> KVCache? { base.makeKVCache(positions: positions) }
  func logits(for request: ForwardRequest) throws -> [Matrix] {
    if request.canvases.count > 1 { batchedPasses += 1 } else { singlePasses += 1 }
    return try base.logits(for: request)
  }
}
