import ArgumentParser
import Foundation
import Unmask

extension TraceCommand {
  /// `unmask trace view RUN [RUN2] [--out viewer.html]`.
  struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write one self-contained HTML page to watch a run (or two side by side).",
      discussion: """
        The page embeds the trace as JSON and loads nothing from the network: a step slider \
        with play/pause, the canvas text at that step, the heatmap with the step marked, and \
        per-token details on hover. Open it at a given step with viewer.html#step=N.
        """)

    @Argument(
      help: ArgumentHelp("Trace folder (holds run.json, trace.jsonl, *.npy).", valueName: "run"))
    var folder: String

    @Argument(help: "A second trace folder, shown side by side (the browser form of compare).")
    var second: String?

    @Option(help: "Output HTML file (default: RUN/viewer.html).")
    var out: String?

    func run() throws {
      var runs: [(trace: Trace, title: String)] = []
      for path in [folder] + (second.map { [$0] } ?? []) {
        runs.append((try TraceReader.load(URL(fileURLWithPath: path)), path))
      }
      let target = URL(
        fileURLWithPath: out ?? (folder as NSString).appendingPathComponent("viewer.html"))
      try TraceViewer.write(runs, to: target)
      print(target.path)
    }
  }
}
