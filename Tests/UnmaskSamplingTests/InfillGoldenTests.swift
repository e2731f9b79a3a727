import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskSampling

/// One reference run of notebooks/make_infill_sampler_goldens.py: a canvas with masks anywhere
/// (prompt, generated span, suffix) and the reference's final canvas.
struct InfillGoldenCase: Decodable, Sendable, CustomTestStringConvertible {
  var name: String
  var reference: String
  var canvas: [Int32]
  var prompt_length: Int
  var length: Int
  var settings: DenoisingSettings
  var dream_shift: Bool
  var final: [Int32]
  var forward_passes: Int
  var testDescription: String { name }

  enum CodingKeys: String, CodingKey {
    case name, reference, canvas, prompt_length, length, settings, dream_shift, final
    case forward_passes
  }

  init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    reference = try c.decode(String.self, forKey: .reference)
    canvas = try c.decode([Int32].self, forKey: .canvas)
    prompt_length = try c.decode(Int.self, forKey: .prompt_length)
    length = try c.decode(Int.self, forKey: .length)
    settings = try c.decode(DenoisingSettings.self, forKey: .settings)
    dream_shift = try c.decode(Bool.self, forKey: .dream_shift)
    final = try c.decode([Int32].self, forKey: .final)
    forward_passes = try c.decode(Int.self, forKey: .forward_passes)
  }

  struct File: Decodable {
    var pc_background: [Float]
    var cases: [InfillGoldenCase]
  }
  static let file: File? = try? Fixtures.load(File.self, "goldens_issue16.json")
  static let all: [InfillGoldenCase] = file?.cases ?? []

}

@Suite(
  "Goldens of issue 16: Dream infilling, LLaDA issue 137, PC-Sampler, KLASS, DUS, JointThreshold")
struct InfillGoldenTests {
  @Test func goldensArePresent() throws {
    let file = try #require(InfillGoldenCase.file, "Tests/Fixtures/sampler/goldens_issue16.json")
    #expect(file.cases.count >= 116)
    #expect(
      Set(file.cases.map(\.reference)) == [
        "dream", "llada", "pc-sampler", "klass", "dus", "sglang-joint-threshold",
      ])
  }

  @Test(arguments: InfillGoldenCase.all)
  func finalCanvasEqualsReference(_ golden: InfillGoldenCase) throws {
    let model = try ToyPredictor.load(dreamShift: golden.dream_shift)
    let background = InfillGoldenCase.file?.pc_background ?? []
    let settings = golden.settings
    var strategy = settings.makeStrategy()
    if case .pcSampler(let parameters) = settings.strategy {
      strategy = PCSamplerRemasking(parameters: parameters, background: background)
    }
    let denoiser = try Denoiser(
      model: model, settings: settings, strategy: strategy, schedule: settings.makeSchedule())
    let result = try denoiser.generate(canvas: golden.canvas, promptLength: golden.prompt_length)
    let firstDifference = zip(result.canvas, golden.final).enumerated().first {
      $0.element.0 != $0.element.1
    }
    #expect(
      result.canvas == golden.final,
      "first difference at \(String(describing: firstDifference?.offset))")
    #expect(result.forwardPasses == golden.forward_passes)
    // Fixed tokens never change and no mask is left.
    for (i, token) in golden.canvas.enumerated() where token != golden.settings.maskID {
      #expect(result.canvas[i] == token, "fixed position \(i) changed")
    }
    #expect(!result.canvas.contains(golden.settings.maskID))
  }

  /// Without `referenceEOSBug` the EOS control does what it says at temperature > 0, so at least
  /// one of the issue-137 goldens must come out differently (else the flag would be a no-op).
  @Test func intendedEOSControlDiffersFromIssue137() throws {
    let cases = InfillGoldenCase.all.filter {
      $0.name.hasPrefix("llada-eos-bug/") && $0.settings.temperature > 0
    }
    #expect(!cases.isEmpty)
    var differing = 0
    for golden in cases {
      var settings = golden.settings
      settings.referenceEOSBug = false
      let result = try Denoiser(model: try ToyPredictor.load(), settings: settings)
        .generate(canvas: golden.canvas, promptLength: golden.prompt_length)
      if result.canvas != golden.final { differing += 1 }
      // Intended: a proposed EOS scores 0, so EOS is committed only when nothing else is left.
    }
    #expect(differing > 0)
  }
}

/// PC-Sampler's background file in the reference's format: `count / num_token`, unseen ids
/// `1 / num_token`; a malformed file is an error naming it.
@Test func pcSamplerBackgroundFileLoads() throws {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("pc-background-\(UUID().uuidString).json").path
  defer { try? FileManager.default.removeItem(atPath: path) }
  try Data(#"{"num_token": 1000, "p_baseline_dict": {"3": 250, "7": 10}}"#.utf8)
    .write(to: URL(fileURLWithPath: path))
  let f = try PCSamplerRemasking.loadBackground(path: path, vocabularySize: 10)
  #expect(f[3] == 0.25 && f[7] == 0.01 && f[0] == 0.001)
  try Data(#"{"p_baseline_dict": {}}"#.utf8).write(to: URL(fileURLWithPath: path))
  #expect(throws: SamplingError.self) {
    try PCSamplerRemasking.loadBackground(path: path, vocabularySize: 10)
  }
}
