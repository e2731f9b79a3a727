import Foundation
import Testing
import Unmask

/// One run of Dream's `diffusion_generate()` on the tiny-dream fixture with masks in the input
/// ids (notebooks/make_infill_sampler_goldens.py, Tests/Fixtures/golden/infill-dream.json).
struct InfillDreamCase: Decodable, Sendable, CustomTestStringConvertible {
  var name: String
  var input_ids: [Int32]
  var max_new_tokens: Int
  var steps: Int
  var strategy: String
  var final: [Int32]
  var testDescription: String { name }

  struct File: Decodable { var cases: [InfillDreamCase] }
  static let all: [InfillDreamCase] =
    (try? JSONDecoder().decode(
      File.self,
      from: Data(
        contentsOf: Fixtures.root.appendingPathComponent("golden/infill-dream.json"))))?.cases ?? []
}

/// Issue 16: with `--preset dream`, a canvas with masks anywhere equals Dream's
/// `diffusion_generate()` given the same input ids (its schedule counts every mask).
@Suite("Dream infilling equals diffusion_generate on tiny-dream")
struct InfillDreamGoldenTests {
  @Test func goldensArePresent() {
    #expect(InfillDreamCase.all.count == 5)
  }

  @Test(arguments: InfillDreamCase.all)
  func canvasEqualsReference(_ golden: InfillDreamCase) throws {
    let session = try ModelSession.open(Fixtures.model("tiny-dream"))
    let settings = try session.settings(
      preset: .dream,
      overrides: [
        "length": .integer(golden.max_new_tokens), "steps": .integer(golden.steps),
        "strategy": .string(golden.strategy),
      ])
    let generation = try session.generate(prompt: golden.input_ids, settings: settings)
    #expect(generation.result.canvas == golden.final)
  }
}

/// `encode(masked:)`: the model's own mask text and `<|mask:N|>` both become mask ids.
@Test(arguments: [("tiny-llada", "<|mdm_mask|>"), ("tiny-dream", "<|mask|>")])
func maskMarkupEncodesToMaskIDs(model: String, maskText: String) throws {
  let session = try ModelSession.open(Fixtures.model(model))
  let ids = try session.encode(masked: "a \(maskText) b<|mask:2|> c")
  #expect(ids.filter { $0 == session.specialTokens.mask }.count == 3)
  let plain = try session.encode(masked: "a b c")
  #expect(!plain.contains(session.specialTokens.mask))
  #expect(throws: (any Error).self) { try session.encode(masked: "a <|mask:0|>") }
}
