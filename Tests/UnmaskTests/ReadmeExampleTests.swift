import Foundation
import Testing
import Unmask

/// The Swift example in README.md, run as written (on a fixture instead of the demo model).
@Test func readmeSwiftExampleRuns() throws {
  let model = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent("tiny-llada"))
  let logits = try model.logits(for: [1, 2, 3])
  #expect(logits.rows == 3 && logits.columns == model.vocabularySize)

  var settings = DenoisingSettings.preset(.llada)
  settings.length = 32
  settings.steps = 32
  settings.blockLength = 8
  settings.strategy = .margin
  settings.schedule = .cosine
  settings.maskID = model.maskTokenID ?? 0
  let result = try Denoiser(model: model, settings: settings).generate(prompt: [1, 2, 3])
  #expect(result.generated.count == 32)
  #expect(!result.generated.contains(settings.maskID))
  #expect(result.steps == 32)
}
