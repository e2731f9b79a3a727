import ArgumentParser
import Foundation
import Unmask

/// `unmask generate`: denoise an answer from a prompt.
struct GenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Generate text by iterative unmasking.",
    discussion: """
      The canvas is the prompt followed by --length masks. --preset llada|dream|fast-dllm sets \
      every sampler field as the reference does; explicit flags override single fields. \
      Without --json, a live view redraws the canvas each step when stdout is a terminal.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "Prompt text (encoded with the model's tokenizer).")
  var prompt: String?

  @Option(help: "Prompt as token ids, comma separated (instead of --prompt).")
  var promptTokens: String?

  @Flag(help: "Wrap the prompt in the model's chat template (instruct models).")
  var chat = false

  @Option(help: "System message for --chat (the template's default when omitted).")
  var system: String?

  @OptionGroup var sampling: SamplingOptions

  @Flag(help: "Print one JSON object: tokens, text, steps, seconds and every setting used.")
  var json = false

  @Option(
    help: ArgumentHelp(
      "Record every step and draw figures into DIR; a bare --trace writes to traces/<timestamp>-<strategy>/.",
      valueName: "DIR"))
  var trace: String?

  @Flag(help: "No live view, even on a terminal.")
  var quiet = false

  func validate() throws {
    guard (prompt == nil) != (promptTokens == nil) else {
      throw ValidationError("give exactly one of --prompt and --prompt-tokens")
    }
    if chat && prompt == nil {
      throw ValidationError("--chat needs --prompt (text to wrap in the template)")
    }
    if system != nil && !chat { throw ValidationError("--system needs --chat") }
  }

  func run() throws {
    let session = try modelOptions.open()
    let promptIDs = try encodePrompt(session)
    let settings = try sampling.settings(for: session)
    try session.checkCanvas(promptLength: promptIDs.count, settings: settings)

    var observers: [DenoisingObserver] = []
    if !json && !quiet {
      // On a terminal the canvas is redrawn in place; otherwise progress lines go to stderr so
      // that stdout carries only the generated text.
      let terminal = isatty(STDOUT_FILENO) != 0
      observers.append(
        LiveView(
          tokenText: session.tokenText, ansi: terminal,
          write: { text in
            (terminal ? FileHandle.standardOutput : FileHandle.standardError).write(
              Data(text.utf8))
          }))
    }
    let recorder = try trace.map { folder in
      try TraceRecorder(
        directory: folder == UnmaskCommand.defaultTraceFolder
          ? TraceDirectory.defaultURL(strategy: settings.strategy.name.rawValue)
          : URL(fileURLWithPath: folder),
        run: TraceRunInfo(
          model: modelOptions.model, promptTokens: promptIDs,
          strategy: settings.strategy.name.rawValue, settings: settings,
          extra: [
            "architecture": session.architecture,
            "command": CommandLine.arguments.joined(separator: " "),
          ],
          tokenText: session.tokenText))
    }
    if let recorder { observers.append(recorder) }
    let generation = try session.generate(
      prompt: promptIDs, settings: settings, observers: observers)
    if let recorder {
      try recorder.finish(
        timings: ["load": session.loadSeconds, "generate": generation.result.seconds])
      if !json { FileHandle.standardError.write(Data("trace: \(recorder.directory.path)\n".utf8)) }
    }
    if json {
      let result = generation.result
      let report = GenerateReport(
        model: session.location.path, architecture: session.architecture,
        promptTokens: promptIDs, tokens: result.generated, text: generation.text,
        steps: result.steps, forwardPasses: result.forwardPasses, seconds: result.seconds,
        stoppedEarly: result.stoppedEarly, trace: recorder?.directory.path, settings: settings)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(generation.text)
    }
  }

  /// The prompt's token ids: given directly, encoded, or rendered through the chat template.
  private func encodePrompt(_ session: ModelSession) throws -> [Int32] {
    if let promptTokens { return try parseTokenList(promptTokens, flag: "--prompt-tokens") }
    guard let prompt else { return [] }
    guard chat else { return try session.encode(prompt) }
    var messages: [ChatMessage] = []
    if let system { messages.append(ChatMessage(role: "system", content: system)) }
    messages.append(ChatMessage(role: "user", content: prompt))
    return try session.encodeChat(messages)
  }
}

/// What `generate --json` prints.
struct GenerateReport: Encodable {
  var model: String
  var architecture: String
  var promptTokens: [Int32]
  var tokens: [Int32]
  var text: String
  var steps: Int
  var forwardPasses: Int
  var seconds: Double
  var stoppedEarly: Bool
  /// The trace folder, when `--trace` was given.
  var trace: String?
  var settings: DenoisingSettings

  enum CodingKeys: String, CodingKey {
    case model, architecture, tokens, text, steps, seconds, settings, trace
    case promptTokens = "prompt_tokens", forwardPasses = "forward_passes", stoppedEarly = "stopped_early"
  }
}
