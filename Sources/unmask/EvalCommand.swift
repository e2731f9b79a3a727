import ArgumentParser
import Foundation
import Unmask
import UnmaskExperiments

/// The tasks `unmask eval --task` knows.
enum EvalTaskName: String, ExpressibleByArgument, CaseIterable {
  case sudoku, jsonl
}

/// `unmask eval`: run a task, report accuracy with its interval, model calls and throughput.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Run a task (sudoku, or prompt/answer JSONL) and report accuracy.",
    discussion: """
      sudoku: givens are fixed tokens of the canvas, blanks masks; one cell per step unless \
      --steps is given; without --data the model folder's held-out set (unmask.json \
      "eval_data") is used. jsonl: lines {"prompt", "answer"}, exact match or --answer-regex \
      (first capture group). Progress goes to stderr, results to stdout.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "The task.")
  var task: EvalTaskName

  @Option(
    help: "JSONL data file (sudoku: {\"puzzle\", \"solution\"}; jsonl: {\"prompt\", \"answer\"}).")
  var data: String?

  @Option(help: "Run only the first N items.")
  var limit: Int?

  @Option(help: "jsonl: compare the regex's first capture group instead of the whole output.")
  var answerRegex: String?

  @Flag(help: "jsonl: wrap each prompt in the model's chat template.")
  var chat = false

  @OptionGroup var sampling: SamplingOptions

  @Option(help: "Write one JSON line per item (prompt, output, correct, forward passes) to FILE.")
  var out: String?

  @Flag(help: "Print one JSON object with every number and setting.")
  var json = false

  @Flag(help: "No progress lines on stderr.")
  var quiet = false

  func validate() throws {
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    if answerRegex != nil && task != .jsonl {
      throw ValidationError("--answer-regex applies to --task jsonl only")
    }
    if task == .jsonl && data == nil { throw ValidationError("--task jsonl needs --data FILE") }
  }

  func run() throws {
    do { try evaluate() } catch let error as ExperimentError {
      throw CommandError(error.description)
    }
  }

  private func evaluate() throws {
    let session = try modelOptions.open()
    let model = session.model
    let settings = try sampling.settings(for: session)
    let evalTask = try Self.makeTask(
      task, session: session, data: data, steps: sampling.steps, answerRegex: answerRegex,
      chat: chat)

    let writer = try out.map { try JSONLinesWriter(path: $0) }
    let summary = try EvalRunner(model: model).run(
      task: evalTask, settings: settings, limit: limit,
      onItem: { record in try writer?.append(record) },
      onProgress: { p in
        guard !quiet else { return }
        let line = String(
          format: "\r%d/%d  accuracy %.3f  %.0fs left   ", p.done, p.total,
          Double(p.correct) / Double(p.done), p.secondsLeft)
        FileHandle.standardError.write(Data((line + (p.done == p.total ? "\n" : "")).utf8))
      })
    try writer?.finish()
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      var object =
        try JSONSerialization.jsonObject(with: encoder.encode(summary)) as? [String: Any] ?? [:]
      object["model"] = session.location.path
      object["architecture"] = model.architecture
      object["steps_rule"] = task == .sudoku && sampling.steps == nil ? "blanks" : "fixed"
      let data = try JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
      print(String(decoding: data, as: UTF8.self))
    } else {
      let ci = summary.ci95
      print(
        String(
          format: "%@: accuracy %.3f (%d/%d), 95%% CI [%.3f, %.3f], %.1f forward passes per item, "
            + "%.2f tokens per forward, %.1f s, %.1f tokens/s",
          summary.task, summary.accuracy, summary.correct, summary.n, ci.lower, ci.upper,
          summary.forwardPassesPerItem, summary.tokensPerForward, summary.seconds,
          summary.tokensPerSecond))
    }
  }

  /// The task over its data: the sweep runner builds its tasks here too.
  static func makeTask(
    _ task: EvalTaskName, session: ModelSession, data: String?, steps: Int?,
    answerRegex: String?, chat: Bool
  ) throws -> EvalTask {
    let folder = EvalDefaults.folder(ofModel: session.location)
    switch task {
    case .sudoku:
      guard let path = data ?? EvalDefaults.dataPath(modelFolder: folder) else {
        throw CommandError(
          "\(folder.path)/unmask.json names no \"eval_data\"; give --data FILE.jsonl")
      }
      let layout = try SudokuLayout.load(modelFolder: folder)
      return SudokuTask(
        puzzles: try SudokuPuzzle.readJSONL(path: path), layout: layout, steps: steps)
    case .jsonl:
      guard let path = data else { throw CommandError("--task jsonl needs --data FILE") }
      let tokenizer = try session.requireTokenizer()
      let template = tokenizer.chatTemplate
      if chat && template == nil {
        throw CommandError(
          "\(session.location.path): tokenizer_config.json has no chat template; drop --chat")
      }
      return PromptAnswerTask(
        items: try PromptAnswerTask.readJSONL(path: path),
        encode: { text in
          guard chat, let template else { return tokenizer.encode(text) }
          let rendered = template.render(
            [ChatMessage(role: "user", content: text)], addGenerationPrompt: true)
          return tokenizer.encode(rendered, addSpecialTokens: false)
        },
        decode: { tokenizer.decode($0, skipSpecialTokens: true) },
        answerPattern: try answerRegex.map(PromptAnswerTask.pattern))
    }
  }
}
