import ArgumentParser
import Foundation
import Unmask

/// `unmask bench trace`: what tracing costs a real generation, measured in the same run.
struct BenchTraceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trace",
    abstract: "Generation time with and without --trace on a model, and the overhead ratio.",
    discussion: """
      Runs the same seeded generation without observers and with a TraceRecorder (recording \
      every step, then writing run.json, the .npy matrices and, unless --no-figures, every \
      figure), alternating, and reports the best time of each.
      """)

  @Option(help: "Model to generate with.")
  var model = "models/tiny-llada-trained"

  @Option(help: "Answer length.") var length = 64
  @Option(help: "Denoising steps.") var steps = 64
  @Option(help: "Block length.") var blockLength = 16
  @Option(help: "Timed runs of each kind (best is reported).") var repetitions = 3
  @Flag(help: "Record data only; draw no figures.") var noFigures = false

  func validate() throws {
    guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
  }

  func run() throws {
    let bundle = try ModelBundle.open(URL(fileURLWithPath: model))
    let network = try ModelRegistry.load(bundle)
    var settings = DenoisingSettings.preset(.llada)
    settings.length = length
    settings.steps = steps
    settings.blockLength = blockLength
    settings.maskID = try SpecialTokens(model: network, tokenizer: nil, source: model).mask
    let denoiser = try Denoiser(model: network, settings: settings)
    let prompt: [Int32] = [1, 2, 3, 4]
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unmask-bench-trace-\(getpid())")
    defer { try? FileManager.default.removeItem(at: folder) }

    var plain = Double.infinity
    var traced = Double.infinity
    _ = try denoiser.generate(prompt: prompt)  // warm-up
    for run in 0..<repetitions {
      var start = Date()
      _ = try denoiser.generate(prompt: prompt)
      plain = min(plain, Date().timeIntervalSince(start))

      start = Date()
      var figures = FigureOptions()
      figures.enabled = !noFigures
      let recorder = try TraceRecorder(
        directory: folder.appendingPathComponent("\(run)"),
        run: TraceRunInfo(model: model, promptTokens: prompt, strategy: settings.strategy.rawValue, settings: settings),
        figures: figures)
      _ = try denoiser.generate(prompt: prompt, observers: [recorder])
      try recorder.finish()
      traced = min(traced, Date().timeIntervalSince(start))
    }
    print(String(format: "generate %d tokens, %d steps, without trace: %.3f s", length, steps, plain))
    print(String(format: "with trace%@: %.3f s", noFigures ? " (data only)" : " (data and figures)", traced))
    print(String(format: "tracing overhead: %.1f%%", (traced / plain - 1) * 100))
  }
}
