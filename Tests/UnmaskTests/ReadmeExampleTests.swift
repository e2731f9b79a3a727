import Foundation
import Testing
import Unmask

/// The Swift example in README.md, run as written (on a fixture instead of the demo model).
@Test func readmeSwiftExampleRuns() throws {
  let path = Fixtures.root.appendingPathComponent("tiny-llada").path
  // --- README example starts (with `path` for "models/kjv-llada") ---
  let session = try ModelSession.open(path)  // a folder, .safetensors, .umk or a model name
  var settings = session.settings()  // the architecture's reference preset, its special ids
  settings.length = 32
  settings.steps = 32
  settings.blockLength = 8
  settings.strategy = .margin  // which positions to commit
  settings.schedule = .cosine  // how many per step
  let generation = try session.generate(
    prompt: session.encode("Once upon a time"), settings: settings)
  print(generation.text, generation.result.steps)

  let logits = try session.logits(for: [1, 2, 3])  // Matrix [T, V], row i predicts position i
  // --- README example ends ---
  #expect(logits.rows == 3 && logits.columns == session.model.vocabularySize)
  #expect(generation.tokens.count == 32)
  #expect(!generation.tokens.contains(settings.maskID))
  #expect(generation.result.steps == 32)
}
