import Foundation
import UnmaskFormats
import UnmaskCore
import UnmaskKernels
import UnmaskModels
import UnmaskSampling
import UnmaskTokenizer

/// A loaded model with everything needed to run it: its tokenizer, its special ids, its
/// context length and the reference preset its architecture implies.
///
/// Every front end goes through a session: the command-line tool, evaluation, sweeps and the
/// server. It resolves the model reference once, loads the model and tokenizer, and turns text
/// into prompts and tokens back into text with the checks a user's input needs.
///
/// ```swift
/// let session = try ModelSession.open("models/kjv-llada")
/// var settings = session.settings()        // the architecture's preset, with its special ids
/// settings.length = 32
/// let generation = try session.generate(prompt: session.encode("Hello"), settings: settings)
/// print(generation.text)
/// ```
public final class ModelSession: @unchecked Sendable {
  /// What the user asked for (`--model`), for messages and reports.
  public let reference: String
  /// The checkpoint that was opened.
  public let location: URL
  /// The model, as "tokens in, logits out" plus its description.
  public let model: any MaskedDiffusionModel
  /// The tokenizer, when the checkpoint ships `tokenizer.json`.
  public let tokenizer: Tokenizer?
  /// The mask, EOS and end-of-turn ids.
  public let specialTokens: SpecialTokens
  /// The longest canvas the model was trained for (`max_sequence_length` or
  /// `max_position_embeddings` in config.json), when config.json says.
  public let contextLength: Int?
  /// Seconds spent opening the checkpoint and loading the model.
  public let loadSeconds: Double
  /// `generation_config.json`, when the checkpoint ships one: DiffusionGemma's sampler defaults.
  public let generationConfig: JSONValue?
  /// How a compressed `.umk`'s weights are held (`WeightResidency`); `.decoded` for other
  /// checkpoints, whose weights are read in place.
  public let residency: WeightResidency

  /// Opens a model folder, `.safetensors` file, `.umk` file, GGUF file, Hugging Face cache
  /// snapshot or catalog name (see `ModelReference`); `tokenizer` (a tokenizer.json or its
  /// folder), when given, replaces the checkpoint's own tokenizer.
  ///
  /// `residency` says how a lossless compressed `.umk` holds its weights while the model runs
  /// (`WeightResidency`; nil: `WeightResidency.automatic`, compressed only where the decoded
  /// copy would take more than half the memory available now); other checkpoints read their
  /// weights in place either way.
  public static func open(
    _ reference: String, catalog: ModelCatalog = .standard, tokenizer: URL? = nil,
    residency: WeightResidency? = nil
  ) throws -> ModelSession {
    let start = ContinuousClock.now
    let url = try ModelReference.resolve(reference, catalog: catalog)
    let bundle = try ModelBundle.open(url, tokenizer: tokenizer)
    if let file = bundle.weights as? UMKFile {
      file.residency =
        residency
        ?? .automatic(for: file, memory: AvailableMemory.bytes)
    }
    return try ModelSession(bundle: bundle, reference: reference, start: start)
  }

  /// A session over an opened bundle.
  public convenience init(bundle: ModelBundle, reference: String? = nil) throws {
    try self.init(
      bundle: bundle, reference: reference ?? bundle.location.path, start: .now)
  }

  private init(bundle: ModelBundle, reference: String, start: ContinuousClock.Instant) throws {
    let source = bundle.location.path
    self.reference = reference
    location = bundle.location
    residency = (bundle.weights as? UMKFile)?.residency ?? .decoded
    model = try ModelRegistry.load(bundle)
    tokenizer = try bundle.tokenizerJSON.map {
      try Tokenizer(
        tokenizerJSON: $0, tokenizerConfigJSON: bundle.tokenizerConfigJSON, source: source)
    }
    specialTokens = try SpecialTokens(model: model, tokenizer: tokenizer, source: source)
    contextLength = Self.contextLength(configJSON: bundle.configJSON)
    generationConfig = bundle.generationConfigJSON.flatMap(JSONValue.parse)
    let elapsed = ContinuousClock.now - start
    loadSeconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }

  /// `max_sequence_length` (LLaDA), `max_position_embeddings` (Dream/Qwen2) or `model_length`
  /// (MDLM, BD3-LM: the training length; BD3-LM's reference cannot run past it) in config.json.
  static func contextLength(configJSON: Data) -> Int? {
    guard let config = JSONValue.parse(configJSON) else { return nil }
    // A multimodal config (DiffusionGemma) keeps the text model's fields in `text_config`.
    for object in [config, config["text_config"]].compactMap({ $0 }) {
      for key in ["max_sequence_length", "max_position_embeddings", "n_positions", "model_length"] {
        if let n = object[key]?.intValue, n > 0 { return n }
      }
    }
    return nil
  }

  /// The architecture's name (`LLaDA`, `Dream`).
  public var architecture: String { model.architecture }

  /// The reference preset that matches the architecture: Dream's numerics for Dream models
  /// (shifted logits, top-k 50, truncated counts), the block-diffusion samplers for LLaDA2 and
  /// SDAR, dllm's MDLM sampler for its a2d models (`--preset bd3lm` for the BD3LM-trained ones),
  /// the Kuleshov group's own samplers for MDLM and BD3-LM checkpoints, LLaDA's for the others
  /// (LLaDA-MoE included, as its reference samples).
  public var defaultPreset: PresetName {
    switch architecture {
    case "Dream": return .dream
    case "LLaDA2": return .llada2
    case "SDAR": return .sdar
    case "Fast-dLLM v2": return .fastDLLMv2
    case "A2D-Qwen3", "MDLM": return .mdlm
    case "BD3-LM": return .bd3lm
    case "DiffusionGemma": return .diffusiongemma
    default: return .llada
    }
  }

  /// Whether `mdlm` and `bd3lm` mean the Kuleshov group's samplers here (MDLM and BD3-LM
  /// checkpoints, the DiTs their papers trained) rather than dllm's (its a2d models).
  public var usesAncestralPresets: Bool { architecture == "MDLM" || architecture == "BD3-LM" }

  /// The settings of `preset` (the architecture's when nil) with this model's special ids:
  /// `mdlm` and `bd3lm` resolve by architecture (`usesAncestralPresets`), and BD3-LM's blocks
  /// are the checkpoint's `block_size`.
  public func settings(preset: PresetName? = nil) -> DenoisingSettings {
    let name = preset ?? defaultPreset
    var settings =
      (usesAncestralPresets ? DenoisingSettings.ancestralPreset(name) : nil)
      ?? DenoisingSettings.preset(name)
    if usesAncestralPresets, settings.sampler.isAncestral {
      switch model.attentionMask {
      case .blockCausal(let b):
        settings.blockLength = b
      default:
        // bd3lms' MDLM (`--sampler semi-ar`) reads windows of its `block_size`, set to the
        // training length in its scripts; the other samplers run the whole canvas.
        if let contextLength { settings.blockLength = contextLength }
      }
    }
    settings.maskID = specialTokens.mask
    settings.eosID = specialTokens.eos
    settings.eotID = specialTokens.eot
    // The preset's pad id (Fast-dLLM v2's Qwen2.5 `<|endoftext|>`) when the tokenizer names none.
    settings.padID = specialTokens.pad ?? settings.padID
    if settings.sampler == .uniformState {
      // Without generation_config.json the reference runs on its global defaults, which
      // name no end or padding id.
      settings.applyGenerationConfig(generationConfig ?? .object([]))
    }
    return settings
  }

  /// Warnings a run with `settings` deserves on this checkpoint, one line each (the command
  /// line prints them to standard error). MDLM and BD3-LM checkpoints do not record the noise
  /// schedule they were trained with; the published ones (mdlm-owt, bd3lm-owt) used log-linear,
  /// so an ancestral sampler on another schedule samples from a process the network never saw:
  /// allowed (schedule studies do it on purpose), but said.
  public func warnings(for settings: DenoisingSettings) -> [String] {
    guard usesAncestralPresets, settings.sampler.isAncestral,
      settings.schedule.name != .logLinear
    else { return [] }
    return [
      "\(reference): \(architecture) checkpoints do not record their noise schedule and the published ones were trained with log-linear; this run samples on \(settings.schedule.name.rawValue)"
    ]
  }

  /// The settings of `preset` with `overrides` applied (the flat JSON keys of
  /// `DenoisingSettings`, as command-line flags, sweep points and request bodies give them),
  /// validated.
  public func settings(preset: PresetName?, overrides: [String: JSONValue]) throws
    -> DenoisingSettings
  {
    try settings(preset: preset).applying(overrides)
  }

  /// The tokenizer, or an error saying this checkpoint has none.
  public func requireTokenizer() throws -> Tokenizer {
    guard let tokenizer else {
      throw SessionError(
        location.path, "no tokenizer.json, so text cannot be encoded; give token ids instead")
    }
    return tokenizer
  }

  /// Token ids of `text`.
  public func encode(_ text: String, addSpecialTokens: Bool = true) throws -> [Int32] {
    try requireTokenizer().encode(text, addSpecialTokens: addSpecialTokens)
  }

  /// Token ids of a conversation rendered with the model's chat template, ending with the
  /// assistant's turn opened when `addGenerationPrompt`.
  public func encodeChat(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws
    -> [Int32]
  {
    let tokenizer = try requireTokenizer()
    guard let template = tokenizer.chatTemplate else {
      throw SessionError(
        location.path, "tokenizer_config.json has no chat template Unmask recognises")
    }
    return tokenizer.encode(
      template.render(messages, addGenerationPrompt: addGenerationPrompt),
      addSpecialTokens: false)
  }

  /// Text of `ids`; an id the tokenizer has no token for is an error naming it.
  public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) throws -> String {
    let tokenizer = try requireTokenizer()
    if let bad = ids.first(where: { tokenizer.token(for: $0) == nil }) {
      throw SessionError(
        reference,
        "token id \(bad) is not in the tokenizer's vocabulary (ids 0..<\(tokenizer.vocabularySize))"
      )
    }
    return tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
  }

  /// Throws if an id has no row in the model's embedding (negative or >= the vocabulary size).
  public func checkVocabulary(_ ids: [Int32]) throws {
    if let bad = ids.first(where: { $0 < 0 || Int($0) >= model.vocabularySize }) {
      throw SessionError(
        reference, "token id \(bad) is outside the vocabulary (ids 0..<\(model.vocabularySize))")
    }
  }

  /// How one token is shown in live views and traces: its text, or `#id` without a tokenizer.
  public func tokenText(_ id: Int32) -> String {
    tokenizer?.decode([id]) ?? "#\(id)"
  }

  /// Checks that a prompt of `promptLength` tokens plus `settings.length` (plus a suffix of
  /// `suffixLength`) fits the model.
  public func checkCanvas(promptLength: Int, settings: DenoisingSettings, suffixLength: Int = 0)
    throws
  {
    guard let contextLength else { return }
    if suffixLength > 0, promptLength + settings.length + suffixLength > contextLength {
      throw SamplingError.invalidSetting(
        field: "suffix",
        message:
          "\(suffixLength) tokens do not fit: prompt \(promptLength) + length \(settings.length) + suffix must stay within the model's context of \(contextLength), so the suffix may hold 0...\(max(0, contextLength - promptLength - settings.length)) tokens"
      )
    }
    let canvas = promptLength + settings.length
    if settings.sampler == .semiAR || settings.strideLength != nil,
      case .full = model.attentionMask, settings.blockLength <= contextLength
    {
      // bd3lms' MDLM branch and mdlm's semi-AR sampler slide windows over a longer canvas.
      return
    }
    if settings.sampler == .semiAR, case .blockCausal = model.attentionMask,
      settings.cache == .exact
        ? model.rollingCacheLength != nil : contextLength >= SamplerKind.semiARContext
    {
      // BD3-LM's cache keeps the last `model_length` positions; without it a pass reads the
      // last 1024 up to its block's end (the reference's mask is cut from `model_length`, so
      // only a checkpoint that long can).
      return
    }
    guard canvas <= contextLength else {
      throw SessionError(
        reference,
        "the canvas of \(canvas) tokens (prompt \(promptLength) + length \(settings.length)) exceeds the model's context of \(contextLength)"
      )
    }
  }

  /// Runs one generation: the canvas is `prompt`, `settings.length` masks, then `suffix`
  /// (fixed tokens after the generated span). Masks anywhere in `prompt` or `suffix` are filled
  /// too (see `Denoiser.generate(canvas:promptLength:observers:)`). Observers see every step
  /// and may stop the run.
  public func generate(
    prompt: [Int32], suffix: [Int32] = [], settings: DenoisingSettings,
    observers: [DenoisingObserver] = []
  ) throws -> Generation {
    try checkVocabulary(prompt)
    try checkVocabulary(suffix)
    try checkCanvas(promptLength: prompt.count, settings: settings, suffixLength: suffix.count)
    let denoiser = try Denoiser(model: model, settings: settings)
    let result = try denoiser.generate(prompt: prompt, suffix: suffix, observers: observers)
    let text = tokenizer?.decode(result.generated, skipSpecialTokens: true) ?? ""
    return Generation(prompt: prompt, settings: settings, result: result, text: text)
  }

  /// Logits `[T, V]` of one forward pass over `tokens` (row i predicts position i; shifted
  /// already for architectures that read the row to the left, as Dream does).
  public func logits(for tokens: [Int32]) throws -> Matrix {
    try logits(for: tokens, mask: nil)
  }

  /// Logits `[T, V]` of one full pass under `mask` (nil: the model's own) at noise level
  /// `sigma` (`ForwardCanvas.sigma`: what a time-conditioned DiT reads; others ignore it); with
  /// `raw`, the network's own rows, unshifted (they differ from generation's rows for Dream
  /// only).
  public func logits(
    for tokens: [Int32], mask: AttentionMask?, raw: Bool = false, sigma: Double = 0
  ) throws -> Matrix {
    try checkVocabulary(tokens)
    if let contextLength, tokens.count > contextLength {
      throw SessionError(
        reference, "\(tokens.count) tokens exceed the model's context of \(contextLength)")
    }
    let request = ForwardRequest(tokens: tokens, mask: mask, sigma: sigma)
    let out = try raw ? model.rawLogits(for: request) : model.logits(for: request)
    return out[0]
  }
}

/// What one generation produced, with the settings that made it.
public struct Generation: Sendable {
  /// The prompt's token ids.
  public var prompt: [Int32]
  /// The settings used (seed included).
  public var settings: DenoisingSettings
  /// The sampler's result: canvas, generated ids, steps, forward passes, seconds.
  public var result: DenoisingResult
  /// The generated ids decoded, special tokens left out (empty without a tokenizer).
  public var text: String

  /// The generated ids.
  public var tokens: [Int32] { result.generated }
}
