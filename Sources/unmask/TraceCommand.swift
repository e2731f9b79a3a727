import ArgumentParser
import Foundation
import Unmask

/// `unmask trace`: redraw figures from a saved trace, or compare two traces side by side.
struct TraceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trace",
    abstract: "Redraw and compare denoising traces written by `unmask generate --trace`.",
    subcommands: [Render.self, Compare.self, View.self, Bench.self]
  )
}

extension ColorMap: ExpressibleByArgument {}
extension FigureKind: ExpressibleByArgument {}

/// Figure flags shared by `render` and `compare`.
struct FigureFlags: ParsableArguments {
  @Option(help: "Colour map for confidence, entropy and order figures.")
  var colormap: ColorMap = .viridis

  @Option(help: "Cell size in pixels (default: automatic; reduced to fit long canvases).")
  var cell: Int?

  @Option(help: "Draw only this block (0-based).")
  var block: Int?

  func validate() throws {
    if let cell, cell < 1 || cell > 256 {
      throw ValidationError("--cell must be between 1 and 256")
    }
    if let block, block < 0 { throw ValidationError("--block must be 0 or more") }
  }

  var options: FigureOptions {
    var options = FigureOptions()
    options.colorMap = colormap
    options.cellSize = cell
    options.block = block
    return options
  }
}

extension TraceCommand {
  /// `unmask trace render DIR`.
  struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Redraw a trace's figures (heatmap, confidence, entropy, order, animation).")

    @Argument(help: "Trace folder (holds run.json, trace.jsonl, *.npy).")
    var directory: String

    @OptionGroup var figures: FigureFlags

    @Option(help: "Where to write the figures (default: the trace folder).")
    var out: String?

    func run() throws {
      // TraceError prints as one line naming the file, line and field.
      let trace = try TraceReader.load(URL(fileURLWithPath: directory))
      let target = URL(fileURLWithPath: out ?? directory)
      for url in try TraceFigures.renderAll(trace, options: figures.options, to: target) {
        print(url.path)
      }
    }
  }

  /// `unmask trace compare DIR_A DIR_B --out FILE.png`.
  struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Put the same figure of two traces side by side in one PNG.")

    @Argument(help: "First trace folder.")
    var first: String

    @Argument(help: "Second trace folder.")
    var second: String

    @Option(help: "Output PNG file.")
    var out: String

    @Option(help: "Which figure to compare.")
    var figure: ComparedFigure = .heatmap

    @OptionGroup var figures: FigureFlags

    func run() throws {
      let a = try TraceReader.load(URL(fileURLWithPath: first))
      let b = try TraceReader.load(URL(fileURLWithPath: second))
      let image = try TraceComparison.render(
        a, titled: first, b, titled: second, figure: figure.kind, options: figures.options)
      try PNGWriter.write(image, to: URL(fileURLWithPath: out))
      print(out)
    }
  }

  /// The figures `compare` can draw (`TraceComparison.figures`), so `--help` offers only
  /// those.
  enum ComparedFigure: String, CaseIterable, ExpressibleByArgument {
    case heatmap, confidence, entropy, order

    var kind: FigureKind {
      switch self {
      case .heatmap: return .heatmap
      case .confidence: return .confidence
      case .entropy: return .entropy
      case .order: return .order
      }
    }
  }
}

extension TraceCommand {
  /// `unmask trace bench`: the tracer's own cost on synthetic steps (no model).
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Time the tracer alone on synthetic steps, to compare with generation time.")

    @Option(help: "Steps to replay.")
    var steps: Int = 128

    @Option(help: "Canvas positions (prompt included).")
    var positions: Int = 256

    func validate() throws {
      guard steps >= 1, positions >= 2 else {
        throw ValidationError("--steps must be >= 1 and --positions >= 2")
      }
    }

    func run() throws {
      print(try TraceBenchmark.run(steps: steps, positions: positions))
    }
  }
}
