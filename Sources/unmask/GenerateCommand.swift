import ArgumentParser
import Foundation
import Unmask

/// `unmask generate`: denoise an answer from a prompt.
struct GenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Generate text by iterative unmasking.",
    discussion: """
      The canvas is the prompt, --length masks, then --suffix if given. Masks in the prompt or \
      the suffix (the mask token's text, <|mask:N|> for N of them, or the mask id in \
      --prompt-tokens) are filled as well; every other token stays fixed. --preset llada|dream|fast-dllm sets \
      every sampler field as the reference does; explicit flags override single fields. \
      Without --json, a live view redraws the canvas each step when stdout is a terminal.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(
    help:
      "Prompt text (encoded with the model's tokenizer). Masks may appear anywhere: the model's mask token text, or <|mask:N|> for N of them; they are filled too. An empty --prompt '' draws an unconditional sample (no tokenizer needed)."
  )
  var prompt: String?

  @Option(
    help: "Prompt as token ids, comma separated (instead of --prompt); may hold the mask id.")
  var promptTokens: String?

  @Option(
    help: ArgumentHelp(
      "JSON Lines of prompts ({\"prompt\": text} or {\"prompt_tokens\": [ids]}, optional \"id\"); prints one JSON line per prompt.",
      valueName: "FILE"))
  var prompts: String?

  @Option(
    help: "With --prompts: prompts per forward pass (each answer equals its prompt run alone).")
  var batch = 1

  @Option(
    help:
      "Text fixed after the generated span (infilling); may hold masks as --prompt does. Encoded without special tokens."
  )
  var suffix: String?

  @Option(help: "Suffix as token ids, comma separated (instead of --suffix).")
  var suffixTokens: String?

  @Flag(help: "Wrap the prompt in the model's chat template (instruct models).")
  var chat = false

  @Option(help: "System message for --chat (the template's default when omitted).")
  var system: String?

  @OptionGroup var sampling: SamplingOptions

  @Flag(help: "Print one JSON object: tokens, text, steps, seconds and every setting used.")
  var json = false

  @Option(
    help: ArgumentHelp(
      "Record every step and draw figures into DIR; a bare --trace writes to traces/<timestamp>-<strategy>/. With --prompts, each prompt gets DIR/<line number>/.",
      valueName: "DIR"))
  var trace: String?

  @Flag(help: "No live view, even on a terminal.")
  var quiet = false

  func validate() throws {
    guard [prompt != nil, promptTokens != nil, prompts != nil].filter({ $0 }).count == 1 else {
      throw ValidationError("give exactly one of --prompt, --prompt-tokens and --prompts")
    }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
    if chat && prompt == nil && prompts == nil {
      throw ValidationError("--chat needs --prompt (text to wrap in the template)")
    }
    if system != nil && !chat { throw ValidationError("--system needs --chat") }
    if suffix != nil && suffixTokens != nil {
      throw ValidationError("give at most one of --suffix and --suffix-tokens")
    }
  }

  func run() throws {
    let session = try modelOptions.open()
    let settings = try sampling.settings(for: session)
    for warning in session.warnings(for: settings) {
      FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
    }
    if let prompts {
      if suffix != nil || suffixTokens != nil {
        throw ValidationError("--suffix applies to one prompt; drop it with --prompts")
      }
      return try runBatches(file: prompts, session: session, settings: settings)
    }
    let promptIDs: [Int32]
    let suffixIDs: [Int32]
    do {
      promptIDs = try encodePrompt(session)
      suffixIDs = try encodeSuffix(session)
      try session.checkCanvas(
        promptLength: promptIDs.count, settings: settings, suffixLength: suffixIDs.count)
    } catch let error as SamplingError {
      throw CommandError(SamplingOptions.describe(error))
    }

    var observers: [DenoisingObserver] = []
    if !json && !quiet {
      // On a terminal the canvas is redrawn in place; otherwise progress lines go to stderr so
      // that stdout carries only the generated text.
      let terminal = isatty(STDOUT_FILENO) != 0
      let live = LiveView(
        tokenText: session.tokenText, ansi: terminal,
        write: { text in
          (terminal ? FileHandle.standardOutput : FileHandle.standardError).write(
            Data(text.utf8))
        })
      live.maskID = settings.maskID
      observers.append(live)
    }
    let recorder = try traceFolder(settings: settings).map {
      try makeRecorder(
        in: $0, promptTokens: promptIDs, session: session, settings: settings,
        canvasLength: promptIDs.count + settings.length + suffixIDs.count)
    }
    if let recorder { observers.append(recorder) }
    // Ctrl-C stops after the current step; the trace is then finished, marked interrupted.
    Interruption.install()
    observers.append(InterruptionObserver())
    let generation = try Interruption.cooperating {
      try session.generate(
        prompt: promptIDs, suffix: suffixIDs, settings: settings, observers: observers)
    }
    if let recorder {
      try recorder.finish(
        timings: ["load": session.loadSeconds, "generate": generation.result.seconds],
        interrupted: Interruption.requested)
      if !json { FileHandle.standardError.write(Data("trace: \(recorder.directory.path)\n".utf8)) }
    }
    if json {
      let result = generation.result
      var report = GenerateReport(
        model: session.location.path, architecture: session.architecture,
        promptTokens: promptIDs, tokens: result.generated, text: generation.text,
        steps: result.steps, forwardPasses: result.forwardPasses, seconds: result.seconds,
        stoppedEarly: result.stoppedEarly, trace: recorder?.directory.path, settings: settings,
        canvas: result.canvas, suffixTokens: suffixIDs, eosFilled: result.eosFilled,
        forwardPassesSaved: result.forwardPassesSaved,
        positionsComputed: result.positionsComputed,
        positionsWithoutCache: result.positionsWithoutCache)
      report.countWork(of: session.model)
      report.resident = session.residency.rawValue
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(generation.text)
    }
    Interruption.exitIfRequested()
  }

  /// The folder `--trace` names (a bare `--trace`: `traces/<timestamp>-<strategy>/`), or nil.
  func traceFolder(settings: DenoisingSettings) -> URL? {
    trace.map { folder in
      folder == UnmaskCommand.defaultTraceFolder
        ? TraceDirectory.defaultURL(strategy: settings.strategy.name.rawValue)
        : URL(fileURLWithPath: folder)
    }
  }

  /// A recorder of one run's steps into `directory`, with every setting and the command line.
  /// A mixture-of-experts model's trace records the expert load per step, and with
  /// `canvasLength` (a run alone, not a batch lane) which experts each position chose.
  func makeRecorder(
    in directory: URL, promptTokens: [Int32], session: ModelSession, settings: DenoisingSettings,
    canvasLength: Int? = nil
  ) throws -> TraceRecorder {
    let info = TraceRunInfo(
      model: modelOptions.model, promptTokens: promptTokens, settings: settings,
      extra: [
        "architecture": session.architecture,
        "command": CommandLine.arguments.joined(separator: " "),
        // Block-diffusion presets count --steps per block, as their references do.
        "steps_count": settings.blockLayout.isGrid ? "per block" : "in all",
        "numerics": Numerics(of: KernelPath.current).rawValue,
        "kernel": KernelPath.current.rawValue,
        "resident": session.residency.rawValue,
      ],
      tokenText: session.tokenText)
    let recorder = try TraceRecorder(directory: directory, run: info)
    if let meter = session.model.expertLoad {
      _ = meter.take()  // counts from before this run (loading, warm-up) are not its own
      // Per step: tokens routed to each expert of each MoE layer (a batch's lanes share passes,
      // so their traces share these counts).
      recorder.add(
        StepSeries(
          name: "expert_load", rows: meter.layers, columns: meter.expertCount,
          rowLabel: "MoE layer", columnLabel: "expert", values: { meter.take().map(Float.init) }))
      if let canvasLength, meter.tracksPositions {
        for series in ExpertChoiceSeries(meter: meter, canvasLength: canvasLength).series {
          recorder.add(series)
        }
      }
    }
    return recorder
  }

  /// The prompt's token ids: given directly, encoded, or rendered through the chat template.
  private func encodePrompt(_ session: ModelSession) throws -> [Int32] {
    if let promptTokens { return try parseTokenList(promptTokens, flag: "--prompt-tokens") }
    guard let prompt else { return [] }
    // An empty prompt is an unconditional sample (MDLM's and BD3-LM's `_sample`), which a
    // checkpoint without a tokenizer can draw too.
    if prompt.isEmpty && !chat { return [] }
    return try encode(prompt, session: session)
  }

  /// Text to ids (masks written as the model's mask text are masks), through the chat
  /// template with --chat.
  func encode(_ prompt: String, session: ModelSession) throws -> [Int32] {
    guard chat else { return try session.encode(masked: prompt, flag: "prompt") }
    var messages: [ChatMessage] = []
    if let system { messages.append(ChatMessage(role: "system", content: system)) }
    messages.append(ChatMessage(role: "user", content: prompt))
    return try session.encodeChat(messages)
  }

  /// The suffix's token ids (none without --suffix / --suffix-tokens).
  private func encodeSuffix(_ session: ModelSession) throws -> [Int32] {
    if let suffixTokens { return try parseTokenList(suffixTokens, flag: "--suffix-tokens") }
    guard let suffix else { return [] }
    return try session.encode(masked: suffix, addSpecialTokens: false, flag: "suffix")
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
  /// Every token of the final canvas: prompt (its masks filled), generated span, suffix.
  var canvas: [Int32]
  var suffixTokens: [Int32]
  /// Positions `--eos-fill` set to EOS, and the forward passes that saved.
  var eosFilled: Int
  var forwardPassesSaved: Int
  /// Positions the passes computed, and what whole-canvas passes would have: a cache's saving
  /// (`--cache exact` on block diffusion, prefix, dual).
  var positionsComputed: Int
  var positionsWithoutCache: Int
  /// The same in GFLOP, at the model's cost per position (`flops(tokens: 1)`: every weight
  /// multiplied once, attention's cost over the canvas left out): what a cache saves in work.
  var gflopComputed: Double = 0
  var gflopWithoutCache: Double = 0
  /// The numerics that ran (`exact`, `fast`) and the kernel path that gave them.
  var numerics = Numerics(of: KernelPath.current).rawValue
  var kernel = KernelPath.current.rawValue
  /// How a compressed `.umk`'s weights were held (`--resident`): the same numbers either way.
  var resident = WeightResidency.decoded.rawValue

  /// Fills the GFLOP figures from the position counts, at `model`'s cost per position.
  mutating func countWork(of model: any MaskedDiffusionModel) {
    let perPosition = model.flops(tokens: 1) / 1e9
    gflopComputed = Double(positionsComputed) * perPosition
    gflopWithoutCache = Double(positionsWithoutCache) * perPosition
  }

  enum CodingKeys: String, CodingKey {
    case model, architecture, tokens, text, steps, seconds, settings, trace, canvas
    case promptTokens = "prompt_tokens", forwardPasses = "forward_passes", stoppedEarly =
      "stopped_early"
    case suffixTokens = "suffix_tokens", eosFilled = "eos_filled"
    case forwardPassesSaved = "forward_passes_saved"
    case positionsComputed = "positions_computed"
    case positionsWithoutCache = "positions_without_cache"
    case gflopComputed = "gflop_computed", gflopWithoutCache = "gflop_without_cache"
    case numerics, kernel, resident
  }
}
