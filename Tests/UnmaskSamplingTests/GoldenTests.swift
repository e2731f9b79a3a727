import Foundation
import Testing
import UnmaskCore
@testable import UnmaskSampling

/// One reference run on the toy predictor (scripts/fixtures/make_sampler_goldens.py).
struct GoldenCase: Decodable, Sendable, CustomTestStringConvertible {
  var name: String
  var reference: String
  var prompt: [Int32]
  var settings: DenoisingSettings
  var dream_shift: Bool
  var scale: Float
  var generated: [Int32]
  var forward_passes: Int
  var testDescription: String { name }

  struct File: Decodable { var cases: [GoldenCase] }
  /// Every case; a missing or unreadable goldens.json fails the tests that use it (no empty list
  /// that would pass as zero cases).
  static func all() throws -> [GoldenCase] { try Fixtures.load(File.self, "goldens.json").cases }
}

@Suite("Golden runs against LLaDA, Fast-dLLM, Dream and EB-sampler reference code")
struct GoldenTests {
  @Test func goldensArePresent() throws {
    #expect(try GoldenCase.all().count >= 310)
  }

  @Test(arguments: try GoldenCase.all())
  func generatedIdsEqualReference(_ golden: GoldenCase) throws {
    let model = try ToyPredictor.load(dreamShift: golden.dream_shift, scale: golden.scale)
    let denoiser = try Denoiser(model: model, settings: golden.settings)
    let result = try denoiser.generate(prompt: golden.prompt)
    let firstDifference = zip(result.generated, golden.generated).enumerated().first {
      $0.element.0 != $0.element.1
    }
    #expect(
      result.generated == golden.generated,
      "first difference at \(String(describing: firstDifference?.offset))")
    #expect(result.forwardPasses == golden.forward_passes)
    #expect(result.canvas.count == golden.prompt.count + golden.settings.length)
  }
}
