import Foundation
import Testing
import UnmaskCore
import UnmaskSampling
@testable import UnmaskTrace

/// A plug-in strategy's parameters (the trace only needs its settings, not its rule).
private struct EveryOther: PluginParameters {
  var offset = 0
}

/// A strategy registered outside the library: its trace records it under its own name, with its
/// parameters, and the recorded settings load back as the same settings.
@Test func aRegisteredPluginsTraceRecordsItsOwnName() throws {
  let descriptor = StrategyDescriptor(
    name: "every-other", summary: "A trace-test plug-in.",
    parameters: [
      .integer("every_other_offset", \EveryOther.offset, in: 0...1, help: "first position")
    ],
    reads: .candidateProposals, make: { _, _ in ConfidenceRemasking() })
  try StrategyRegistry.register(descriptor)
  var settings = DenoisingSettings()
  settings.strategy = Strategy(descriptor, EveryOther(offset: 1))
  var info = TraceRunInfo(
    model: "m", promptTokens: TraceFixture.prompt, settings: settings,
    tokenText: TraceFixture.tokenText)
  #expect(info.strategy == "every-other" && info.maskID == settings.maskID)
  info.maskID = TraceFixture.mask

  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "unmask-plugin-trace-\(UUID().uuidString)")
  defer { try? FileManager.default.removeItem(at: directory) }
  let recorder = try TraceRecorder(directory: directory, run: info)
  recorder.figures.enabled = false
  let (start, steps, final) = TraceFixture.events()
  recorder.denoisingWillStart(canvas: start, promptLength: TraceFixture.prompt.count)
  for step in steps { _ = recorder.denoisingDidFinish(step) }
  recorder.denoisingDidEnd(canvas: final)
  _ = try recorder.finish()

  let run = try TraceReader.load(directory).run
  #expect(run.strategy == "every-other")
  #expect(run.settings.objectValue?["strategy"] == .string("every-other"))
  #expect(run.settings.objectValue?["every_other_offset"] == .integer(1))
  let loaded = try JSONDecoder().decode(
    DenoisingSettings.self, from: JSONEncoder().encode(run.settings))
  #expect(loaded == settings)
}
