import ArgumentParser
import Foundation
import UnmaskSampling

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
/// A run starts from `--preset` (LLaDA `generate()` by default) and every flag given explicitly
/// overrides that preset's field. `settings(maskID:eosID:eotID:)` builds the
/// `DenoisingSettings` the denoiser and the trace use.
struct SamplingOptions: ParsableArguments {
  @Option(help: "Reference settings to start from (flags below override them).")
  var preset: PresetName = .llada

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

  @Flag(inversion: .prefixedNo, help: "Stop a block as soon as it has no mask left (Fast-dLLM).")
  var earlyStop: Bool?

  @Flag(help: "Also score masked positions beyond the current block in step events (traces).")
  var scoreAllMasked = false

  @Option(
    help:
      "Fast-dLLM key/value cache: none, prefix (recompute the block and what follows) or dual (the block only).")
  var cache: CacheMode?

  /// Checks the flags as the denoiser would, with placeholder token ids.
  func validate() throws {
    do {
      _ = try settings(maskID: 0, eosID: 0, eotID: 0)
    } catch let error as SamplingError {
      throw ValidationError(error.description)
    }
  }

  /// The preset, then every explicit flag, with the tokenizer's special ids; validated.
  func settings(maskID: Int32, eosID: Int32?, eotID: Int32?) throws -> DenoisingSettings {
    var s = DenoisingSettings.preset(preset)
    s.maskID = maskID
    s.eosID = eosID
    s.eotID = eotID
    if let length {
      s.length = length
      s.blockLength = length
    }
    if let steps { s.steps = steps }
    if let blockLength { s.blockLength = blockLength }
    if let strategy { s.strategy = strategy }
    if let schedule { s.schedule = schedule }
    if let rounding { s.rounding = rounding }
    if let proposal { s.proposal = proposal }
    if let confidencePrecision { s.confidencePrecision = confidencePrecision }
    if let temperature { s.temperature = temperature }
    if let topK { s.topK = topK }
    if let topP { s.topP = topP }
    if let cfgScale { s.cfgScale = cfgScale }
    if let algTemp { s.algTemperature = algTemp }
    if let threshold { s.threshold = threshold }
    if let factor { s.factor = factor }
    if let entropyBound { s.entropyBound = entropyBound }
    if let eta { s.eta = eta }
    if let remdmSchedule { s.remdmSchedule = remdmSchedule }
    if let remdmLoopStart { s.remdmLoopStart = remdmLoopStart }
    if let remdmLoopEnd { s.remdmLoopEnd = remdmLoopEnd }
    if let eps { s.eps = eps }
    if let sigmaMin { s.sigmaMin = sigmaMin }
    if let sigmaMax { s.sigmaMax = sigmaMax }
    if let exponent { s.exponent = exponent }
    if let seed { s.seed = seed }
    if logitsEosInf { s.logitsEosInf = true }
    if confidenceEosEotInf { s.confidenceEosEotInf = true }
    if let earlyStop { s.stopWhenBlockComplete = earlyStop }
    if scoreAllMasked { s.scoreAllMasked = true }
    if let cache { s.cache = cache }
    if let scheduleFile {
      s.explicitCounts = try Self.readCounts(path: scheduleFile)
      if schedule == nil { s.schedule = .explicit }
    }
    try s.validate()
    return s
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
