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
