import Foundation
import Testing
import UnmaskCore
@testable import UnmaskSampling

/// One reference run of scripts/fixtures/make_infill_sampler_goldens.py: a canvas with masks anywhere
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
  var strategyIsTokenEditing: Bool { settings.strategy.name == .tokenEditing }

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
    var attention_toy: AttentionToyPredictor.Tables
    var cases: [InfillGoldenCase]
  }
  static let file: File? = try? Fixtures.load(File.self, "goldens_issue16.json")
  static let all: [InfillGoldenCase] = file?.cases ?? []

}

@Suite(
  "Goldens of issue 16: Dream infilling, LLaDA 137, PC-Sampler, KLASS, DUS, JointThreshold, WINO")
struct InfillGoldenTests {
  @Test func goldensArePresent() throws {
    let file = try #require(InfillGoldenCase.file, "Tests/Fixtures/sampler/goldens_issue16.json")
    #expect(file.cases.count >= 136)
    #expect(
      Set(file.cases.map(\.reference)) == [
        "dream", "llada", "pc-sampler", "klass", "dus", "sglang-joint-threshold", "wino",
      ])
  }

  @Test(arguments: InfillGoldenCase.all)
  func finalCanvasEqualsReference(_ golden: InfillGoldenCase) throws {
    let file = try #require(InfillGoldenCase.file)
    let model: MaskPredictor =
      golden.reference == "wino"
      ? AttentionToyPredictor(tables: file.attention_toy)
      : try ToyPredictor.load(dreamShift: golden.dream_shift)
    let background = InfillGoldenCase.file?.pc_background ?? []
    let settings = golden.settings
    var strategy = settings.makeStrategy()
    if let parameters = settings.strategy.parameters(as: PCSamplerRemasking.Parameters.self) {
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
    // WINO's verification passes are separate here (one per verified token); its reference
    // counts the steps, each one pass of canvas + shadow block.
    let passes = golden.reference == "wino" ? result.steps : result.forwardPasses
    #expect(passes == golden.forward_passes)
    // Fixed tokens never change and no mask is left.
    for (i, token) in golden.canvas.enumerated() where token != golden.settings.maskID {
      #expect(result.canvas[i] == token, "fixed position \(i) changed")
    }
    #expect(!result.canvas.contains(golden.settings.maskID))
  }

  /// The WINO and token-editing goldens exercise their corrections: some runs remask (WINO's
  /// narrow out) and some edit committed tokens (JointThreshold's token-to-token).
  @Test func correctionsHappenInTheGoldens() throws {
    let file = try #require(InfillGoldenCase.file)
    var remasks = 0
    var edits = 0
    for golden in file.cases where golden.reference == "wino" || golden.strategyIsTokenEditing {
      let model: MaskPredictor =
        golden.reference == "wino"
        ? AttentionToyPredictor(tables: file.attention_toy) : try ToyPredictor.load()
      let recorder = Recorder()
      _ = try Denoiser(model: model, settings: golden.settings)
        .generate(canvas: golden.canvas, promptLength: golden.prompt_length, observers: [recorder])
      remasks += recorder.steps.reduce(0) { $0 + $1.remasked.count }
      edits += recorder.steps.reduce(0) { $0 + $1.edited.count }
    }
    #expect(remasks > 0)
    #expect(edits > 0)
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
