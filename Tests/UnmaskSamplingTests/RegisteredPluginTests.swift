import Foundation
import Testing
import UnmaskCore
@testable import UnmaskSampling

/// A plug-in registered in `StrategyRegistry` is a strategy like the built-in ones, under its own
/// name: in `--help`, the flags, JSON settings, validation and what a run records.
@Suite("Registered plug-ins")
struct RegisteredPluginTests {
  init() throws { try StrategyRegistry.register(LeftToRightRemasking.descriptor) }

  @Test func itIsInTheTableTheHelpAndTheFlags() throws {
    #expect(StrategyRegistry.all.map(\.name).contains("left-to-right"))
    #expect(!StrategyName.allCases.contains("left-to-right"))  // the built-in rows only
    let help = try #require(StrategyRegistry.table.helpTexts["left-to-right"])
    #expect(help.hasPrefix("Leftmost candidates first"))
    #expect(
      help.contains(
        "--ltr-confidence-weight <number>: weight of the confidence added to -position, in [0, inf), default 0"
      ))
    let flag = try #require(ParameterFlag.named("ltr-confidence-weight"))
    #expect(flag.ownerKey == "strategy" && flag.ownerName == "left-to-right")
    #expect(try flag.overrides("0.5") == ["ltr_confidence_weight": .number(0.5)])
    #expect(DenoisingSettings.allKeys.contains("ltr_confidence_weight"))
  }

  @Test func itRoundTripsThroughJSONUnderItsOwnName() throws {
    let s = try DenoisingSettings().applying([
      "strategy": .string("left-to-right"), "ltr_confidence_weight": .number(0.5),
    ])
    #expect(s.strategy.name == "left-to-right")
    #expect(
      s.strategy.parameters(as: LeftToRightRemasking.Parameters.self)?.confidenceWeight == 0.5)
    let object = s.jsonObject
    #expect(object["strategy"] == .string("left-to-right"))
    #expect(object["ltr_confidence_weight"] == .number(0.5))
    let data = try JSONEncoder().encode(s)
    #expect(try JSONDecoder().decode(DenoisingSettings.self, from: data) == s)
    // Validation is the descriptor's: one line naming the flag and the range.
    #expect(
      throws: SamplingError.invalidSetting(
        field: "ltr-confidence-weight", message: "must be in [0, inf), got -1.0")
    ) {
      try s.applying(["ltr_confidence_weight": .number(-1)])
    }
    #expect(throws: SamplingError.self) {
      try DenoisingSettings().applying(["ltr_confidence_weight": .number(1)])
    }
  }

  @Test func itsRunIsMadeFromTheDescriptorAndRecordsItsName() throws {
    let s = try DenoisingSettings().applying([
      "strategy": .string("left-to-right"), "length": .integer(12), "mask_id": .integer(111),
    ])
    #expect(s.strategy == Strategy(LeftToRightRemasking.descriptor) && s.steps == 12)
    let recorder = Recorder()
    let denoiser = try Denoiser(model: try ToyPredictor.load(), settings: s)
    #expect(denoiser.strategy.name == "left-to-right")
    #expect(denoiser.strategy.readsLogitRows == .candidates)
    _ = try denoiser.generate(prompt: [7], observers: [recorder])
    #expect(recorder.steps.map { $0.committed.first?.position ?? -1 } == Array(1...12))
    // What a trace stores under "settings" (run.json), read back.
    let recorded = try JSONValue.encoding(denoiser.settings)
    #expect(recorded.objectValue?["strategy"] == .string("left-to-right"))
    #expect(
      try JSONDecoder().decode(DenoisingSettings.self, from: JSONEncoder().encode(recorded)) == s)
  }

  @Test func builtInNamesAndClashingKeysAreRefused() {
    let clash = StrategyDescriptor(
      name: "threshold", summary: "", reads: .candidateProposals,
      make: { _ in LeftToRightRemasking() })
    #expect(throws: SamplingError.self) { try StrategyRegistry.register(clash) }
    let steps = StrategyDescriptor(
      name: "steps-plugin", summary: "",
      parameters: [.number("steps", \LeftToRightRemasking.Parameters.confidenceWeight, help: "")],
      reads: .candidateProposals, make: { _, _ in LeftToRightRemasking() })
    #expect(throws: SamplingError.self) { try StrategyRegistry.register(steps) }
  }
}
