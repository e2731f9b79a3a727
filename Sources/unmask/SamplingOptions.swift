import ArgumentParser
import Foundation
import Unmask

extension PresetName: ExpressibleByArgument {}
extension RoundingRule: ExpressibleByArgument {}
extension ProposalRule: ExpressibleByArgument {}
extension ConfidencePrecision: ExpressibleByArgument {}
extension CacheMode: ExpressibleByArgument {}
extension BlockLayout: ExpressibleByArgument {}
extension TopKScope: ExpressibleByArgument {}
extension AfterEOS: ExpressibleByArgument {}
extension SamplerKind: ExpressibleByArgument {}

/// `--strategy` and `--schedule`: the names in `StrategyRegistry` and `ScheduleRegistry`;
/// `--help` lists each with its summary and its parameter flags.
extension PluginName: ExpressibleByArgument {
  /// A registered name, or nil.
  public init?(argument: String) {
    guard Descriptor.table.descriptor(named: argument) != nil else { return nil }
    self.init(rawValue: argument)
  }
  /// Every registered name, in table order.
  public static var allValueStrings: [String] { Descriptor.table.names }
  /// Each row's summary and parameter flags.
  public static var allValueDescriptions: [String: String] { Descriptor.table.helpTexts }
}

/// Every sampler flag, shared by the commands that denoise (`@OptionGroup var sampling: SamplingOptions`).
///
/// A run starts from `--preset` (the model architecture's reference by default) and every flag
/// given explicitly overrides that preset's field. `settings(for:)` builds the
/// `DenoisingSettings` the denoiser and the trace use. The strategies' and schedules' parameter
/// flags (`--threshold`, `--schedule-file`, ...) are not declared here: their descriptors
/// declare them (`ParameterFlag`), `--help` lists them under `--strategy` and `--schedule`, and
/// they arrive in `parameterFlags`, so a new strategy needs no line in this file.
struct SamplingOptions: ParsableArguments {
  @Option(
    help:
      "Reference settings to start from (flags below override them). Default: the model's own (dream for Dream, llada2 for LLaDA2, sdar for SDAR, mdlm for MDLM and dllm's a2d models, bd3lm for BD3-LM, llada otherwise). mdlm and bd3lm are the Kuleshov group's samplers on MDLM and BD3-LM checkpoints, dllm's on its a2d models."
  )
  var preset: PresetName?

  @Option(
    help:
      "The loop: remasking (proposals, schedule, strategy), or an ancestral sampler of the Kuleshov group's, exactly: ddpm (MDLM _ddpm_update), ddpm-cache (MDLM _ddpm_caching_update; ReMDM with --strategy remdm), analytic (MDLM _analytic_update), semi-ar (BD3-LM; bd3lms' MDLM branch on an MDLM checkpoint). Default: the preset's."
  )
  var sampler: SamplerKind?

  @Flag(
    inversion: .prefixedNo,
    help:
      "semi-ar: first-hitting (one mask per step at a random time; BD3-LM's default) or the grid linspace(1, 0, --steps) per block."
  )
  var firstHitting: Bool?

  @Flag(
    help:
      "semi-ar: BD3-LM's var_length: a second EOS (or 256 tokens of low entropy) ends the run, the canvas cut there, where a low-entropy sample is otherwise drawn again."
  )
  var varLength = false

  @Flag(
    help:
      "ddpm-cache: ReMDM's DFM corrector (sampling.dfm) on its adaptive time grid, instead of the sampler's update; needs --top-p below 1, as its reference does."
  )
  var dfm = false

  @Option(
    help:
      "ddpm-cache: MDLM's semi-autoregressive sampler (sampling.semi_ar): windows of --block-length (the model's length) sliding by this many positions, each steps + 1 steps down to t = 0; the canvas holds block + stride * k tokens."
  )
  var strideLength: Int?

  @Flag(
    help:
      "Fast-dLLM v2's use_block_cache (--cache exact, sub-block-threshold): inside a block, a pass may compute the current sub-block alone against stale keys and values for the rest, as its reference does (faster, not exact)."
  )
  var useBlockCache = false

  @Flag(
    inversion: .prefixedNo,
    help: "ddpm, ddpm-cache: a last pass at --sampling-eps fills the masks left (MDLM's default).")
  var noiseRemoval: Bool?

  @Option(help: "ddpm, ddpm-cache: the grid linspace(1, eps, --steps + 1) ends here. Default 1e-5.")
  var samplingEps: Double?

  @Option(
    help: ArgumentHelp(
      "Replay a reference run's uniform draws (.npy, float32 or float64, in call order) instead of drawing from --seed: ancestral samplers reproduce that run token for token.",
      valueName: "FILE"))
  var replayDraws: String?

  @Option(
    help: ArgumentHelp(
      "uniform-state (DiffusionGemma): rows of random tokens (.npy int64/int32 [rows, canvas]) used, in order, wherever the reference draws a random canvas (a canvas's start, and after every step for the re-noised positions); with --temperature 0 a run equals the reference's under the same rows.",
      valueName: "FILE"))
  var noiseRows: String?

  @Option(help: "uniform-state: the temperature at the first step (falls linearly to --t-min).")
  var tMax: Double?

  @Option(help: "uniform-state: the temperature at the last step.")
  var tMin: Double?

  @Option(
    help:
      "uniform-state: steps the argmax canvas must stay the same before a canvas may stop (0: no stability needed)."
  )
  var stabilityThreshold: Int?

  @Option(
    help: "uniform-state: a stable canvas stops once its mean entropy is below this.")
  var confidenceThreshold: Double?

  @Option(
    help: "uniform-state: the most denoising steps per canvas (the same setting as --steps).")
  var maxSteps: Int?

  @Option(
    help:
      "Tokens to generate (masks appended to the prompt). Default 128. uniform-state: the most new tokens, in whole canvases."
  )
  var length: Int?

  @Option(
    help:
      "Denoising steps in total, split evenly across blocks. Under --preset llada2, sdar and other block-diffusion presets (--block-layout canvas-grid): steps per block, as their references count them. Default 128."
  )
  var steps: Int?

  @Option(
    help:
      "Semi-autoregressive block length; must divide --length after the prompt. Default: --length (one block)."
  )
  var blockLength: Int?

  @Option(
    help:
      "Where blocks sit: after-prompt (LLaDA), after-prompt-ragged (dllm: ceil(length / block) blocks, the last shorter, ceil(steps / blocks) steps each), canvas-grid (block diffusion: blocks counted from the canvas start, the canvas rounded up to whole blocks, --steps per block) or canvas-grid-next-token (Fast-dLLM v2)."
  )
  var blockLayout: BlockLayout?

  @Option(
    help: "LLaDA2 minimal_topk: on the canvas grid, steps per block are at most --length / this.")
  var minimalTopk: Int?

  @Option(
    help:
      "Block strategies' top-k: masks (LLaDA2), or block (SDAR: over all block positions, rewriting committed tokens as its reference does)."
  )
  var topkOver: TopKScope?

  @Flag(
    inversion: .prefixedNo,
    help: "End the run when a finished block leaves an EOS in the generated text (LLaDA2).")
  var endAfterEosBlock: Bool?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Attend block-causally over the blocks after the prompt (dllm's BD3LM sampler on its bidirectional a2d models)."
  )
  var blockCausal: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: "dllm right_shift_logits: position i reads the logits of row i - 1.")
  var rightShiftLogits: Bool?

  @Option(help: "Which masked positions to commit each step (each with its parameter flags).")
  var strategy: StrategyName?

  @Option(
    help:
      "How the masked fraction falls over time: how many to commit per step (each with its parameter flags)."
  )
  var schedule: ScheduleName?

  @Option(
    help:
      "How fractional counts round to whole commits: even (LLaDA), truncate (Dream), stochastic, half-even (dllm: empty steps skipped)."
  )
  var rounding: RoundingRule?

  @Option(
    help: "Token proposal numerics: llada (Gumbel float64) or dream (filtered float32 softmax).")
  var proposal: ProposalRule?

  @Option(
    help:
      "Precision of LLaDA confidences: float64 (Fast-dLLM, LLaDA before 2025-06), float32 or bfloat16 (current LLaDA, the logits' dtype)."
  )
  var confidencePrecision: ConfidencePrecision?

  @Option(help: "Sampling temperature; 0 is greedy.")
  var temperature: Double?

  @Option(help: "Keep only the k most likely tokens before sampling and scoring.")
  var topK: Int?

  @Option(help: "Nucleus filtering: keep the smallest set of tokens with probability above p.")
  var topP: Double?

  @Option(
    help: "Classifier-free guidance scale (unconditional pass with the prompt masked); 0 is off.")
  var cfgScale: Double?

  @Option(help: "Sample positions from softmax(score / alg-temp) instead of taking the top ones.")
  var algTemp: Double?

  @Option(help: "Final time of Dream's grid linspace(1, eps, steps + 1); MDLM log-linear eps.")
  var eps: Double?

  @Option(help: "Seed of the run's random generator; the same seed reproduces a run bit for bit.")
  var seed: UInt64?

  @Flag(help: "Set the EOS logit to -inf before proposing (LLaDA logits_eos_inf).")
  var logitsEosInf = false

  @Flag(
    help:
      "Score EOS and EoT proposals with confidence 0 (LLaDA confidence_eos_eot_inf, as intended).")
  var confidenceEosEotInf = false

  @Flag(
    help:
      "With --confidence-eos-eot-inf at temperature > 0, remove only EoT from the confidences, as LLaDA's generate() does (its issue 137); for golden tests."
  )
  var referenceEosBug = false

  @Flag(help: "End the returned text at the first committed EOS or end of turn.")
  var stopAtEos = false

  @Option(
    help:
      "What the returned tokens hold after their first EOS: keep (all generated), cut (end with the EOS: LLaDA2.x generate()), pad (once an EOS ended the run, the tokenizer's pad token: Fast-dLLM v2). Default: the preset's."
  )
  var afterEos: AfterEOS?

  @Option(
    help:
      "More token ids that end a run as EOS does, comma separated (SDAR's stop_token_ids, a generation config's further eos_token_id entries).",
    transform: { text in
      try text.split(separator: ",").map { part in
        guard let id = Int(part.trimmingCharacters(in: .whitespaces)), id >= 0 else {
          throw ValidationError("--end-ids: '\(part)' is not a token id")
        }
        return id
      }
    })
  var endIds: [Int]?

  @Flag(
    help:
      "Once an EOS is committed and every later position is a mask or EOS, fill them with EOS and end the block early (--json reports the forward passes saved)."
  )
  var eosFill = false

  @Option(
    help: "EOS and EoT may not be proposed before this many generated tokens, in 0...--length.")
  var minLength: Int?

  @Flag(inversion: .prefixedNo, help: "Stop a block as soon as it has no mask left (Fast-dLLM).")
  var earlyStop: Bool?

  @Flag(help: "Also score masked positions beyond the current block in step events (traces).")
  var scoreAllMasked = false

  @Option(
    help:
      "Key/value cache: none; Fast-dLLM's prefix (recompute the block and what follows) or dual (the block only); exact (block-causal models: finished blocks cached, the same tokens as none; the block-diffusion presets' default)."
  )
  var cache: CacheMode?

  /// The strategies' and schedules' parameter flags as given (`--threshold 0.9`), read by
  /// `parameterOverrides()`; any other flag ArgumentParser does not know lands here too and is
  /// refused there.
  @Argument(parsing: .allUnrecognized, help: .hidden)
  var parameterFlags: [String] = []

  /// Checks the flags against the preset they start from (the model's special ids and its
  /// architecture's preset come in `settings(for:)`).
  func validate() throws {
    // Without --preset the model's architecture picks one (block diffusion counts steps per
    // block), so only the flags' own forms are checked here; `settings(for:)` checks the rest.
    // mdlm and bd3lm mean other samplers on other architectures: checked with the model.
    guard let preset, !preset.dependsOnArchitecture else {
      _ = try overrides()
      return
    }
    do {
      try DenoisingSettings.preset(preset).applying(overrides())
        .checkEveryStepCanCommit()
    } catch let error as SamplingError {
      throw ValidationError(Self.describe(error))
    }
  }

  /// The settings for a run on `session`: the preset (the architecture's when `--preset` is
  /// not given), the model's special ids, then every flag given; validated.
  func settings(for session: ModelSession) throws -> DenoisingSettings {
    do {
      let settings = try session.settings(preset: preset, overrides: overrides())
      try settings.checkEveryStepCanCommit()
      return settings
    } catch let error as SamplingError {
      throw CommandError(Self.describe(error))
    }
  }

  /// A sampler error with its field named as the flag (`invalid --block-length: ...`).
  static func describe(_ error: SamplingError) -> String {
    guard case .invalidSetting(let field, let message) = error else { return error.description }
    return "invalid --\(field.replacingOccurrences(of: "_", with: "-")): \(message)"
  }

  /// The flags given, as settings keys (`DenoisingSettings.applying`), so the command line,
  /// sweep files and server requests change settings through one validated path.
  func overrides() throws -> [String: JSONValue] {
    var o = try parameterOverrides()
    func put(_ key: String, _ value: Int?) { if let value { o[key] = .integer(value) } }
    func put(_ key: String, _ value: Double?) { if let value { o[key] = .number(value) } }
    func put<T: RawRepresentable>(_ key: String, _ value: T?) where T.RawValue == String {
      if let value { o[key] = .string(value.rawValue) }
    }
    put("sampler", sampler)
    if let firstHitting { o["first_hitting"] = .bool(firstHitting) }
    if varLength { o["var_length"] = .bool(true) }
    if dfm { o["dfm"] = .bool(true) }
    put("stride_length", strideLength)
    if useBlockCache { o["use_block_cache"] = .bool(true) }
    if let noiseRemoval { o["noise_removal"] = .bool(noiseRemoval) }
    put("sampling_eps", samplingEps)
    if let replayDraws { o["replay_draws"] = .string(replayDraws) }
    if let noiseRows { o["noise_rows"] = .string(noiseRows) }
    put("t_max", tMax)
    put("t_min", tMin)
    put("stability_threshold", stabilityThreshold)
    put("confidence_threshold", confidenceThreshold)
    put("length", length)
    if maxSteps != nil && steps != nil {
      throw ValidationError("--max-steps and --steps are the same setting: give one")
    }
    put("steps", steps ?? maxSteps)
    put("block_length", blockLength)
    put("block_layout", blockLayout)
    put("minimal_topk", minimalTopk)
    put("topk_over", topkOver)
    if let endAfterEosBlock { o["end_after_eos_block"] = .bool(endAfterEosBlock) }
    if let blockCausal { o["block_causal"] = .bool(blockCausal) }
    if let rightShiftLogits { o["right_shift_logits"] = .bool(rightShiftLogits) }
    put("strategy", strategy)
    put("schedule", schedule)
    put("rounding", rounding)
    put("proposal", proposal)
    put("confidence_precision", confidencePrecision)
    put("temperature", temperature)
    put("top_k", topK)
    put("top_p", topP)
    put("cfg_scale", cfgScale)
    put("alg_temp", algTemp)
    put("eps", eps)
    if let seed {
      o["seed"] = seed <= UInt64(Int.max) ? .integer(Int(seed)) : .number(Double(seed))
    }
    if logitsEosInf { o["logits_eos_inf"] = .bool(true) }
    if confidenceEosEotInf { o["confidence_eos_eot_inf"] = .bool(true) }
    if let earlyStop { o["stop_when_block_complete"] = .bool(earlyStop) }
    if scoreAllMasked { o["score_all_masked"] = .bool(true) }
    if referenceEosBug { o["reference_eos_bug"] = .bool(true) }
    if stopAtEos { o["stop_at_eos"] = .bool(true) }
    put("after_eos", afterEos)
    if let endIds { o["more_end_ids"] = .array(endIds.map { .integer($0) }) }
    if eosFill { o["eos_fill"] = .bool(true) }
    put("min_length", minLength)
    put("cache", cache)
    return o
  }

  /// The parameter flags given, as settings keys: `--flag value` or `--flag=value`, each flag
  /// one of `ParameterFlag.all`; a value is read as its parameter's kind (`--schedule-file`
  /// reads the file).
  func parameterOverrides() throws -> [String: JSONValue] {
    var o: [String: JSONValue] = [:]
    var arguments = parameterFlags[...]
    while let argument = arguments.popFirst() {
      guard argument.hasPrefix("--") else {
        throw ValidationError("Unexpected argument '\(argument)'")
      }
      let parts = argument.dropFirst(2).split(separator: "=", maxSplits: 1)
      let name = String(parts.first ?? "")
      guard let flag = ParameterFlag.named(name) else {
        throw ValidationError("Unknown option '--\(name)'")
      }
      guard let value = parts.count == 2 ? String(parts[1]) : arguments.popFirst() else {
        throw ValidationError("Missing value for '--\(name) <\(flag.parameter.kind.valueName)>'")
      }
      o.merge(try flag.overrides(value)) { _, new in new }
    }
    return o
  }
}
