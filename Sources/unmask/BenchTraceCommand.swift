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
      figure) in alternating pairs, and reports the median of the pairs' overheads: on a \
      shared machine one pair can be off by several percent either way, the median is not. \
      The first traced run in the process, which also pays one-time setup (worker threads, \
      tables), is reported on its own line.
      """)

  @Option(help: "Model to generate with.")
  var model = "models/tiny-llada-trained"

  @Option(help: "Answer length.") var length = 64
  @Option(help: "Denoising steps.") var steps = 64
  @Option(help: "Block length.") var blockLength = 16
  @Option(help: "Timed pairs (one run without, one with tracing).") var repetitions = 9
  @Flag(help: "Record data only; draw no figures.") var noFigures = false

  func validate() throws {
    guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
  }

  func run() throws {
    let session = try ModelSession.open(model)
    var settings = session.settings(preset: .llada)
    settings.length = length
    settings.steps = steps
    settings.blockLength = blockLength
    let denoiser = try Denoiser(model: session.model, settings: settings)
    let prompt: [Int32] = [1, 2, 3, 4]
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-bench-trace-\(getpid())")
    defer { try? FileManager.default.removeItem(at: folder) }

    var figures = FigureOptions()
    figures.enabled = !noFigures
    let info = TraceRunInfo(model: model, promptTokens: prompt, settings: settings)
    func timePlain() throws -> Double {
      let start = Date()
      _ = try denoiser.generate(prompt: prompt)
      return Date().timeIntervalSince(start)
    }
    func timeTraced(_ name: String) throws -> Double {
      let start = Date()
      let recorder = try TraceRecorder(
        directory: folder.appendingPathComponent(name), run: info, figures: figures)
      _ = try denoiser.generate(prompt: prompt, observers: [recorder])
      try recorder.finish()
      return Date().timeIntervalSince(start)
    }

    _ = try timePlain()  // warm-up: weights paged in, buffers allocated
    let cold = try timeTraced("cold")
    var plain: [Double] = []
    var traced: [Double] = []
    for run in 0..<repetitions {
      // Alternate which side goes first, so a drift in machine speed favours neither.
      if run % 2 == 0 {
        plain.append(try timePlain())
        traced.append(try timeTraced("\(run)"))
      } else {
        traced.append(try timeTraced("\(run)"))
        plain.append(try timePlain())
      }
    }
    let overheads = zip(traced, plain).map { 100 * ($0 / $1 - 1) }.sorted()
    let what = noFigures ? "data only" : "data and figures"
    print(
      String(
        format: "generate %d tokens, %d steps, without trace: median %.3f s (best %.3f)", length,
        steps, median(plain), plain.min() ?? 0))
    print(
      String(
        format: "with trace (%@): median %.3f s (best %.3f)", what, median(traced),
        traced.min() ?? 0))
    print(
      String(
        format:
          "tracing overhead: %.1f%% (median of %d alternating pairs; middle half %.1f%% to %.1f%%)",
        median(overheads), repetitions, overheads[(repetitions - 1) / 4],
        overheads[repetitions - 1 - (repetitions - 1) / 4]))
    print(
      String(
        format:
          "first traced run in the process (one-time setup included): %.1f%% over the median run without",
        100 * (cold / median(plain) - 1)))
  }
}

/// The middle value (mean of the middle two for an even count).
private func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  let n = sorted.count
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}
