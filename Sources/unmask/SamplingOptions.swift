import ArgumentParser
import Foundation
import Unmask

extension PresetName: ExpressibleByArgument {}
extension StrategyName: ExpressibleByArgument {}
extension ScheduleName: ExpressibleByArgument {}
extension RoundingRule: ExpressibleByArgument {}
extension ProposalRule: ExpressibleByArgument {}
extension ReMDMSchedule: ExpressibleByArgument {}
extension ConfidencePrecision: ExpressibleByArgument {}
extension CacheMode: ExpressibleByArgument {}

/// Every sampler flag, shared by the commands that denoise (`@OptionGroup var sampling: SamplingOptions`).
///
/// A run starts from `--preset` (the model architecture's reference by default) and every flag
/// given explicitly overrides that preset's field. `settings(for:)` builds the
/// `DenoisingSettings` the denoiser and the trace use.
struct SamplingOptions: ParsableArguments {
  @Option(
    help:
      "Reference settings to start from (flags below override them). Default: the model's own (dream for Dream models, llada otherwise)."
  )
  var preset: PresetName?

  @Option(help: "Tokens to generate (masks appended to the prompt). Default 128.")
  var length: Int?

  @Option(help: "Denoising steps in total, split evenly across blocks. Default 128.")
  var steps: Int?

  @Option(
    help: "Semi-autoregressive block length; must divide --length. Default: --length (one block).")
  var blockLength: Int?

  @Option(help: "Which masked positions to commit each step.")
  var strategy: StrategyName?

  @Option(help: "How the masked fraction falls over time (how many to commit per step).")
  var schedule: ScheduleName?

  @Option(
    help:
      "How fractional counts round to whole commits: even (LLaDA), truncate (Dream), stochastic.")
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

  @Option(help: "Confidence needed to commit in parallel (threshold strategy), in (0, 1].")
  var threshold: Double?

  @Option(
    help: "Factor f of the factor strategy: commit n while the n-th confidence >= 1 - f/(n+1).")
  var factor: Double?

  @Option(help: "EB-sampler entropy bound gamma (nats).")
  var entropyBound: Double?

  @Option(help: "ReMDM remasking strength eta.")
  var eta: Double?

  @Option(help: "ReMDM remasking schedule.")
  var remdmSchedule: ReMDMSchedule?

  @Option(help: "ReMDM loop window start t_on.")
  var remdmLoopStart: Double?

  @Option(help: "ReMDM loop window end t_off.")
  var remdmLoopEnd: Double?

  @Option(help: "PC-Sampler position decay lambda, in [0, inf) (default 0.25).")
  var pcLambda: Double?

  @Option(help: "PC-Sampler clip alpha of the calibrated confidence, in (0, inf) (default 10).")
  var pcAlpha: Double?

  @Option(
    help: ArgumentHelp(
      "PC-Sampler background token frequencies ({\"num_token\": N, \"p_baseline_dict\": {id: count}}); uniform when omitted.",
      valueName: "FILE"))
  var pcBackground: String?

  @Option(help: "KLASS confidence a ready position must exceed, in [0, 1) (default 0.9).")
  var klassConfidence: Double?

  @Option(help: "KLASS KL bound (nats) of each of the last steps, in (0, inf) (default 0.01).")
  var klassKl: Double?

  @Option(help: "KLASS steps of KL history, in 1...64 (default 2).")
  var klassHistory: Int?

  @Option(help: "DUS dilation base, in 2...64 (default 2).")
  var dusBase: Int?

  @Option(help: "DUS exponent of the first stride B / base^skip, in 1...16 (default 1).")
  var dusSkip: Int?

  @Option(
    help:
      "Token editing: replace a generated token when the model's argmax differs with probability above this, in [0, 1) (default 0)."
  )
  var editThreshold: Double?

  @Option(
    help: "Token editing: edit-only steps once a block has no mask, in 0...1024 (default 16).")
  var maxPostEditSteps: Int?

  @Option(
    help: "WINO: remask a drafted token whose support falls below this, in (0, 1] (default 0.9).")
  var verifyThreshold: Double?

  @Option(help: "Final time of Dream's grid linspace(1, eps, steps + 1); MDLM log-linear eps.")
  var eps: Double?

  @Option(help: "Geometric schedule sigma_min.")
  var sigmaMin: Double?

  @Option(help: "Geometric schedule sigma_max.")
  var sigmaMax: Double?

  @Option(help: "Polynomial schedule exponent (masked fraction t^exponent).")
  var exponent: Double?

  @Option(
    help:
      "File of commits per step of a block (integers separated by spaces, commas or lines); implies --schedule explicit."
  )
  var scheduleFile: String?

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
      "Fast-dLLM key/value cache: none, prefix (recompute the block and what follows) or dual (the block only)."
  )
  var cache: CacheMode?

  /// Checks the flags against the preset they start from (the model's special ids and its
  /// architecture's preset come in `settings(for:)`).
  func validate() throws {
    do {
      try DenoisingSettings.preset(preset ?? .llada).applying(overrides())
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
    var o: [String: JSONValue] = [:]
    func put(_ key: String, _ value: Int?) { if let value { o[key] = .integer(value) } }
    func put(_ key: String, _ value: Double?) { if let value { o[key] = .number(value) } }
    func put<T: RawRepresentable>(_ key: String, _ value: T?) where T.RawValue == String {
      if let value { o[key] = .string(value.rawValue) }
    }
    put("length", length)
    put("steps", steps)
    put("block_length", blockLength)
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
    put("threshold", threshold)
    put("factor", factor)
    put("entropy_bound", entropyBound)
    put("eta", eta)
    put("remdm_schedule", remdmSchedule)
    put("remdm_loop_start", remdmLoopStart)
    put("remdm_loop_end", remdmLoopEnd)
    put("eps", eps)
    put("sigma_min", sigmaMin)
    put("sigma_max", sigmaMax)
    put("exponent", exponent)
    if let seed {
      o["seed"] = seed <= UInt64(Int.max) ? .integer(Int(seed)) : .number(Double(seed))
    }
    if logitsEosInf { o["logits_eos_inf"] = .bool(true) }
    if confidenceEosEotInf { o["confidence_eos_eot_inf"] = .bool(true) }
    if let earlyStop { o["stop_when_block_complete"] = .bool(earlyStop) }
    if scoreAllMasked { o["score_all_masked"] = .bool(true) }
    put("pc_lambda", pcLambda)
    put("pc_alpha", pcAlpha)
    if let pcBackground { o["pc_background"] = .string(pcBackground) }
    put("klass_confidence", klassConfidence)
    put("klass_kl", klassKl)
    put("klass_history", klassHistory)
    put("dus_base", dusBase)
    put("dus_skip", dusSkip)
    put("edit_threshold", editThreshold)
    put("max_post_edit_steps", maxPostEditSteps)
    put("verify_threshold", verifyThreshold)
    if referenceEosBug { o["reference_eos_bug"] = .bool(true) }
    if stopAtEos { o["stop_at_eos"] = .bool(true) }
    if eosFill { o["eos_fill"] = .bool(true) }
    put("min_length", minLength)
    put("cache", cache)
    if let scheduleFile {
      o["explicit_counts"] = .array(try Self.readCounts(path: scheduleFile).map { .integer($0) })
      if schedule == nil { o["schedule"] = .string(ScheduleName.explicit.rawValue) }
    }
    return o
  }

  /// Integers separated by spaces, commas or newlines (a JSON array works); `#` starts a comment.
  static func readCounts(path: String) throws -> [Int] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw SamplingError.scheduleFile(path: path, message: "cannot be read")
    }
    var counts: [Int] = []
    for line in text.split(whereSeparator: \.isNewline) {
      let content =
        line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      for field in content.split(whereSeparator: { " ,\t[]".contains($0) }) {
        guard let n = Int(field) else {
          throw SamplingError.scheduleFile(path: path, message: "'\(field)' is not an integer")
        }
        counts.append(n)
      }
    }
    guard !counts.isEmpty else {
      throw SamplingError.scheduleFile(path: path, message: "holds no counts")
    }
    return counts
  }
}
