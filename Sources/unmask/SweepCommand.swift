import ArgumentParser
import Foundation
import Unmask
import UnmaskExperiments

/// `unmask sweep`: run every point of a grid (each an eval), merge shard files, plot.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run a grid of evals from a sweep file; merge shards; plot.",
    subcommands: [SweepRunCommand.self, SweepMergeCommand.self, SweepPlotCommand.self],
    defaultSubcommand: SweepRunCommand.self)
}

/// `unmask sweep [run] FILE --out results.jsonl [--shard i/n]`.
struct SweepRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run the points of a sweep file not yet in --out (one JSON line per point).",
    discussion: """
      Without --shard, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (minus SLURM_ARRAY_TASK_MIN) \
      or Kubernetes' JOB_COMPLETION_INDEX with --shard-count pick the share of points; see \
      docs/sweep-slurm.sh and docs/sweep-k8s-job.yaml.
      """)

  @Argument(help: "Sweep file (JSON, or YAML: .yaml/.yml).") var file: String
  @Option(help: "Results JSONL; points already in it are skipped.") var out: String
  @Option(help: "Run every n-th point starting at i (i/n).") var shard: String?
  @Option(help: "Number of shards when JOB_COMPLETION_INDEX picks the index.") var shardCount: Int?
  @Option(name: .long, help: "Compute threads.") var threads: Int?
  @Flag(help: "No progress lines on stderr.") var quiet = false

  func run() throws {
    do { try sweep() } catch let error as ExperimentError {
      throw CommandError(error.description)
    }
  }

  private func sweep() throws {
    let spec = try SweepSpec.read(path: file)
    let shard = try SweepShard.resolve(
      flag: shard, shardCount: shardCount, environment: ProcessInfo.processInfo.environment)
    guard let taskName = EvalTaskName(rawValue: spec.task) else {
      throw CommandError(
        "\(file): field 'task': unknown task '\(spec.task)'; choose sudoku or jsonl")
    }
    let preset = try spec.preset.map { name -> PresetName in
      guard let p = PresetName(rawValue: name) else {
        throw CommandError("\(file): field 'preset': unknown preset '\(name)'")
      }
      return p
    }
    if let threads { ComputeThreads.set(threads) }
    let session = try ModelSession.open(spec.model)
    let results = try SweepResults(path: out)
    let todo = spec.points.filter { shard.contains($0.index) && !results.keys.contains($0.key) }
    for (n, point) in todo.enumerated() {
      var overrides = spec.settings
      var sudokuSteps: Int?
      for (key, value) in point.values {
        if taskName == .sudoku && key == "steps" {
          sudokuSteps = value.intValue
          continue
        }
        overrides[key] = value
      }
      let settings: DenoisingSettings
      do { settings = try session.settings(preset: preset, overrides: overrides) } catch {
        throw CommandError("\(file): point \(point.key): \(error)")
      }
      let task = try EvalCommand.makeTask(
        taskName, session: session, data: spec.data, steps: sudokuSteps,
        answerRegex: spec.answerRegex, chat: false)
      if !quiet {
        FileHandle.standardError.write(Data("point \(n + 1)/\(todo.count) \(point.key)\n".utf8))
      }
      let summary = try EvalRunner(model: session.model).run(
        task: task, settings: settings, limit: spec.limit)
      var line =
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary))
        as? [String: Any] ?? [:]
      line["key"] = point.key
      line["index"] = point.index
      line["point"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(point.values))
      line["model"] = spec.model
      try results.append(line)
    }
  }
}

/// `unmask sweep merge A.jsonl B.jsonl ... --out merged.jsonl`.
struct SweepMergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge", abstract: "Join shard result files (one line per point, by index).")
  @Argument(help: "Shard result files.") var files: [String]
  @Option(help: "Merged file (written atomically).") var out: String

  func run() throws {
    do {
      let count = try SweepResults.merge(files, into: out)
      FileHandle.standardError.write(Data("\(count) points -> \(out)\n".utf8))
    } catch let error as ExperimentError { throw CommandError(error.description) }
  }
}

/// `unmask sweep plot results.jsonl --png fig.png --table table.md`.
struct SweepPlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Accuracy against forward passes per item (PNG) and a Markdown table.")
  @Argument(help: "Results JSONL.") var file: String
  @Option(help: "PNG to write.") var png: String
  @Option(help: "Markdown table to write (printed to stdout when omitted).") var table: String?
  @Option(help: "Figure title.") var title = "accuracy vs forward passes"

  func run() throws {
    do {
      let rows = try SweepPlot.read(path: file)
      try PNGWriter.write(SweepPlot.image(rows, title: title), to: URL(fileURLWithPath: png))
      let markdown = SweepPlot.markdown(rows)
      if let table {
        try Data(markdown.utf8).write(to: URL(fileURLWithPath: table), options: .atomic)
      } else {
        print(markdown, terminator: "")
      }
    } catch let error as ExperimentError { throw CommandError(error.description) }
  }
}
