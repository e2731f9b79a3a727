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

  @Option(
    help: ArgumentHelp(
      "JSON Lines of prompts ({\"prompt\": text} or {\"prompt_tokens\": [ids]}, optional \"id\"); prints one JSON line per prompt.",
      valueName: "FILE"))
  var prompts: String?

  @Option(help: "With --prompts: prompts per forward pass (each answer equals its prompt run alone).")
  var batch = 1

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
    guard [prompt != nil, promptTokens != nil, prompts != nil].filter({ $0 }).count == 1 else {
      throw ValidationError("give exactly one of --prompt, --prompt-tokens and --prompts")
    }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
    if prompts != nil && trace != nil { throw ValidationError("--trace records one run; drop it with --prompts") }
    if chat && prompt == nil && prompts == nil {
      throw ValidationError("--chat needs --prompt (text to wrap in the template)")
    }
  }

  func run() throws {
    let loadStart = Date()
    let (model, bundle) = try modelOptions.load()
    let loadSeconds = Date().timeIntervalSince(loadStart)
    let tokenizer = try bundle.tokenizerJSON.map {
      try Tokenizer(tokenizerJSON: $0, tokenizerConfigJSON: bundle.tokenizerConfigJSON)
    }
    let ids = try SpecialTokens(model: model, tokenizer: tokenizer, source: bundle.location.path)
    let settings = try sampling.settings(maskID: ids.mask, eosID: ids.eos, eotID: ids.eot)
    let denoiser = try Denoiser(model: model, settings: settings)
    if let prompts {
      return try runBatches(
        file: prompts, model: model, bundle: bundle, tokenizer: tokenizer, denoiser: denoiser)
    }
    let promptIDs = try encodePrompt(tokenizer: tokenizer, source: bundle.location.path)

    let tokenText: (Int32) -> String = { id in tokenizer?.decode([id]) ?? "#\(id)" }
    var observers: [DenoisingObserver] = []
    if !json && !quiet {
      // On a terminal the canvas is redrawn in place; otherwise progress lines go to stderr so
      // that stdout carries only the generated text.
      let terminal = isatty(STDOUT_FILENO) != 0
      observers.append(
        LiveView(
          tokenText: tokenText, ansi: terminal,
          write: { text in (terminal ? FileHandle.standardOutput : FileHandle.standardError).write(Data(text.utf8)) }))
    }
    let recorder = try trace.map { folder in
      try TraceRecorder(
        directory: folder == UnmaskCommand.defaultTraceFolder
          ? TraceDirectory.defaultURL(strategy: settings.strategy.rawValue) : URL(fileURLWithPath: folder),
        run: TraceRunInfo(
          model: modelOptions.model, promptTokens: promptIDs, strategy: settings.strategy.rawValue,
          settings: settings, extra: ["architecture": model.architecture, "command": CommandLine.arguments.joined(separator: " ")],
          tokenText: tokenText))
    }
    if let recorder { observers.append(recorder) }
    let result = try denoiser.generate(prompt: promptIDs, observers: observers)
    let output = tokenizer?.decode(result.generated, skipSpecialTokens: true) ?? ""
    if let recorder {
      try recorder.finish(timings: ["load": loadSeconds, "generate": result.seconds])
      if !json { FileHandle.standardError.write(Data("trace: \(recorder.directory.path)\n".utf8)) }
    }
    if json {
      let report = GenerateReport(
        model: bundle.location.path, architecture: model.architecture, promptTokens: promptIDs,
        tokens: result.generated, text: output, steps: result.steps,
        forwardPasses: result.forwardPasses, seconds: result.seconds,
        stoppedEarly: result.stoppedEarly, settings: settings)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(output)
    }
  }

  /// The prompt's token ids: given directly, encoded, or rendered through the chat template.
  private func encodePrompt(tokenizer: Tokenizer?, source: String) throws -> [Int32] {
    if let promptTokens { return try parseTokenList(promptTokens, flag: "--prompt-tokens") }
    guard let prompt else { return [] }
    return try encode(prompt, tokenizer: tokenizer, source: source)
  }

  /// Text to ids, through the chat template with --chat.
  func encode(_ prompt: String, tokenizer: Tokenizer?, source: String) throws -> [Int32] {
    guard let tokenizer else {
      throw CommandError("\(source): no tokenizer.json, so --prompt cannot be encoded; use --prompt-tokens")
    }
    guard chat else { return tokenizer.encode(prompt) }
    guard let template = tokenizer.chatTemplate else {
      throw CommandError("\(source): tokenizer_config.json has no chat template Unmask recognises; drop --chat")
    }
    var messages: [ChatMessage] = []
    if let system { messages.append(ChatMessage(role: "system", content: system)) }
    messages.append(ChatMessage(role: "user", content: prompt))
    return tokenizer.encode(template.render(messages, addGenerationPrompt: true), addSpecialTokens: false)
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
  var settings: DenoisingSettings

  enum CodingKeys: String, CodingKey {
    case model, architecture, tokens, text, steps, seconds, settings
    case promptTokens = "prompt_tokens", forwardPasses = "forward_passes", stoppedEarly = "stopped_early"
  }
}

/// The mask, end-of-sequence and end-of-turn ids, from config.json first, then the tokenizer.
struct SpecialTokens {
  var mask: Int32
  var eos: Int32?
  var eot: Int32?

  init(model: any MaskedDiffusionModel, tokenizer: Tokenizer?, source: String) throws {
    let maskNames = ["<|mdm_mask|>", "<|mask|>", "[MASK]", "<mask>"]
    guard let mask = model.maskTokenID ?? maskNames.lazy.compactMap({ tokenizer?.tokenID($0) }).first else {
      throw CommandError("\(source): config.json has no mask_token_id and the tokenizer has no mask token (\(maskNames.joined(separator: ", ")))")
    }
    self.mask = mask
    eos = model.eosTokenID ?? ["<|endoftext|>", "</s>"].lazy.compactMap({ tokenizer?.tokenID($0) }).first
    eot = ["<|eot_id|>", "<|im_end|>"].lazy.compactMap({ tokenizer?.tokenID($0) }).first
  }
}
