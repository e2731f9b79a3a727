import Foundation
import UnmaskSampling

/// Measures the tracer's own cost: replays synthetic steps through a `TraceRecorder` so the
/// lead can compare the seconds against real generation time (the 5% budget).
public enum TraceBenchmark {
  /// Seconds spent, split by phase.
  public struct Result: Sendable, CustomStringConvertible {
    /// Steps replayed.
    public var steps: Int
    /// Canvas positions.
    public var positions: Int
    /// Seconds inside the observer callbacks (trace.jsonl + .npy rows).
    public var recordSeconds: Double
    /// Seconds in `finish` without figures (headers, run.json).
    public var finishSeconds: Double
    /// Seconds drawing every figure.
    public var figureSeconds: Double
    /// Seconds per figure kind (`FigureKind.rawValue`).
    public var figureBreakdown: [String: Double]

    /// One line summary.
    public var description: String {
      "trace benchmark: \(steps) steps x \(positions) positions: record "
        + "\(String(format: "%.3f", recordSeconds)) s, finish \(String(format: "%.3f", finishSeconds)) s, "
        + "figures \(String(format: "%.3f", figureSeconds)) s ("
        + figureBreakdown.sorted { $0.key < $1.key }.map {
          "\($0.key) \(String(format: "%.3f", $0.value))"
        }.joined(separator: ", ") + ")"
    }
  }

  /// Replays `steps` steps over a canvas of `positions` (16 prompt tokens, 4 blocks) into a
  /// fresh folder under `directory`, which is removed afterwards unless `keep`.
  public static func run(
    steps: Int, positions: Int, directory: URL = FileManager.default.temporaryDirectory,
    keep: Bool = false
  ) throws -> Result {
    let folder = directory.appendingPathComponent("unmask-trace-bench-\(UUID().uuidString)")
    defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
    let events = SyntheticRun(
      positions: positions, promptLength: min(16, positions / 2), steps: steps, blocks: 4)
    let recorder = try TraceRecorder(
      directory: folder,
      run: TraceRunInfo(model: "synthetic", promptTokens: events.prompt, strategy: "benchmark"))
    recorder.figures.enabled = false
    let start = DispatchTime.now().uptimeNanoseconds
    recorder.denoisingWillStart(canvas: events.start, promptLength: events.promptLength)
    events.forEachStep { _ = recorder.denoisingDidFinish($0) }
    recorder.denoisingDidEnd(canvas: events.final)
    let recorded = DispatchTime.now().uptimeNanoseconds
    let trace = try recorder.finish()
    let finished = DispatchTime.now().uptimeNanoseconds
    var breakdown: [String: Double] = [:]
    for kind in FigureKind.allCases {
      var options = FigureOptions()
      options.kinds = [kind]
      let before = DispatchTime.now().uptimeNanoseconds
      try TraceFigures.renderAll(trace, options: options, to: folder)
      breakdown[kind.rawValue] = Double(DispatchTime.now().uptimeNanoseconds - before) / 1e9
    }
    let drawn = DispatchTime.now().uptimeNanoseconds
    return Result(
      steps: steps, positions: positions, recordSeconds: Double(recorded - start) / 1e9,
      finishSeconds: Double(finished - recorded) / 1e9,
      figureSeconds: Double(drawn - finished) / 1e9, figureBreakdown: breakdown)
  }
}
