import Foundation
import Testing
@testable import UnmaskSampling

@Suite("Settings: presets, validation, coding")
struct SettingsTests {
  @Test(arguments: PresetName.allCases)
  func presetsAreValid(preset: PresetName) throws {
    try DenoisingSettings.preset(preset).validate()
  }

  @Test func presetFields() {
    let dream = DenoisingSettings.preset(.dream)
    #expect(dream.topK == 50 && dream.proposal == .dream && dream.rounding == .truncate)
    let fast = DenoisingSettings.preset(.fastDLLM)
    #expect(fast.strategy == .threshold(0.9) && fast.stopWhenBlockComplete)
    #expect(DenoisingSettings.preset(.llada) == DenoisingSettings())
  }

  static let impossible: [(String, (inout DenoisingSettings) -> Void)] = [
    ("steps", { $0.steps = 0 }),
    ("length", { $0.length = 0 }),
    ("block-length", { $0.blockLength = 48 }),
    (
      "steps",
      {
        $0.blockLength = 32; $0.steps = 6
      }
    ),
    ("threshold", { $0.strategy = .threshold(0) }),
    ("threshold", { $0.strategy = .threshold(1.5) }),
    ("top-p", { $0.topP = 0 }),
    ("top-k", { $0.topK = 0 }),
    ("temperature", { $0.temperature = -1 }),
    ("schedule-file", { $0.schedule = .explicit(counts: [1]) }),
  ]

  @Test(arguments: 0..<impossible.count)
  func impossibleSettingsAreOneLineErrors(index: Int) {
    var s = DenoisingSettings()
    Self.impossible[index].1(&s)
    do {
      try s.validate()
      Issue.record("expected \(Self.impossible[index].0) to be rejected")
    } catch let error as SamplingError {
      guard case .invalidSetting(let field, _) = error else { Issue.record("\(error)"); return }
      #expect(field == Self.impossible[index].0)
      #expect(!error.description.contains("\n"))
    } catch {
      Issue.record("untyped error \(error)")
    }
  }

  @Test func codableRoundTripAndMissingKeysDefault() throws {
    var s = DenoisingSettings.preset(.dream)
    s.seed = 42
    s.schedule = .explicit(counts: [1, 2])
    s.steps = 2
    s.length = 4
    s.blockLength = 4
    let data = try JSONEncoder().encode(s)
    #expect(try JSONDecoder().decode(DenoisingSettings.self, from: data) == s)
    let partial = try JSONDecoder().decode(
      DenoisingSettings.self, from: Data(#"{"steps": 64, "top_k": 5}"#.utf8))
    #expect(partial.steps == 64 && partial.topK == 5 && partial.length == 128)
  }

  @Test func namesRoundTripThroughRawValues() {
    for name in StrategyName.allCases { #expect(StrategyName(rawValue: name.rawValue) == name) }
    for name in ScheduleName.allCases { #expect(ScheduleName(rawValue: name.rawValue) == name) }
  }
}
