import Foundation
import Unmask

/// The sampler's own fields in a request body: `unmask generate`'s flags in snake_case
/// (`--block-length` is `block_length`), each overriding the preset's value when present.
///
/// `temperature`, `top_p` and `seed` are OpenAI's own fields and map to the same settings;
/// `max_tokens` is `--length`.
public struct SamplerFields: Decodable, Equatable, Sendable {
  /// `--preset`: llada (default), dream or fast-dllm.
  public var preset: PresetName?
  /// `--steps`.
  public var steps: Int?
  /// `--block-length`.
  public var blockLength: Int?
  /// `--strategy`.
  public var strategy: StrategyName?
  /// `--schedule`.
  public var schedule: ScheduleName?
  /// `--rounding`.
  public var rounding: RoundingRule?
  /// `--proposal`.
  public var proposal: ProposalRule?
  /// `--confidence-precision`.
  public var confidencePrecision: ConfidencePrecision?
  /// `--temperature` (OpenAI's field).
  public var temperature: Double?
  /// `--top-k`.
  public var topK: Int?
  /// `--top-p` (OpenAI's field).
  public var topP: Double?
  /// `--cfg-scale`.
  public var cfgScale: Double?
  /// `--alg-temp`.
  public var algTemp: Double?
  /// `--threshold`.
  public var threshold: Double?
  /// `--factor`.
  public var factor: Double?
  /// `--entropy-bound`.
  public var entropyBound: Double?
  /// `--eta`.
  public var eta: Double?
  /// `--remdm-schedule`.
  public var remdmSchedule: ReMDMSchedule?
  /// `--remdm-loop-start`.
  public var remdmLoopStart: Double?
  /// `--remdm-loop-end`.
  public var remdmLoopEnd: Double?
  /// `--eps`.
  public var eps: Double?
  /// `--sigma-min`.
  public var sigmaMin: Double?
  /// `--sigma-max`.
  public var sigmaMax: Double?
  /// `--exponent`.
  public var exponent: Double?
  /// The counts `--schedule-file` would hold (implies `schedule: explicit`).
  public var scheduleCounts: [Int]?
  /// `--seed` (OpenAI's field).
  public var seed: UInt64?
  /// `--logits-eos-inf`.
  public var logitsEosInf: Bool?
  /// `--confidence-eos-eot-inf`.
  public var confidenceEosEotInf: Bool?
  /// `--early-stop` / `--no-early-stop`.
  public var earlyStop: Bool?
  /// `--score-all-masked`.
  public var scoreAllMasked: Bool?

  enum CodingKeys: String, CodingKey, CaseIterable {
    case preset, steps, strategy, schedule, rounding, proposal, temperature, threshold, factor
    case eta, eps, exponent, seed
    case blockLength = "block_length", confidencePrecision = "confidence_precision"
    case topK = "top_k", topP = "top_p", cfgScale = "cfg_scale", algTemp = "alg_temp"
    case entropyBound = "entropy_bound", remdmSchedule = "remdm_schedule"
    case remdmLoopStart = "remdm_loop_start", remdmLoopEnd = "remdm_loop_end"
    case sigmaMin = "sigma_min", sigmaMax = "sigma_max", scheduleCounts = "schedule_counts"
    case logitsEosInf = "logits_eos_inf", confidenceEosEotInf = "confidence_eos_eot_inf"
    case earlyStop = "early_stop", scoreAllMasked = "score_all_masked"
  }

  /// No field set: the preset as it stands.
  public init() {}

  /// Reads the fields from the same JSON object as the OpenAI fields.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    preset = try c.decodeName(PresetName.self, forKey: .preset)
    steps = try c.decodeIfPresent(Int.self, forKey: .steps)
    blockLength = try c.decodeIfPresent(Int.self, forKey: .blockLength)
    strategy = try c.decodeName(StrategyName.self, forKey: .strategy)
    schedule = try c.decodeName(ScheduleName.self, forKey: .schedule)
    rounding = try c.decodeName(RoundingRule.self, forKey: .rounding)
    proposal = try c.decodeName(ProposalRule.self, forKey: .proposal)
    confidencePrecision = try c.decodeName(
      ConfidencePrecision.self, forKey: .confidencePrecision)
    temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
    topK = try c.decodeIfPresent(Int.self, forKey: .topK)
    topP = try c.decodeIfPresent(Double.self, forKey: .topP)
    cfgScale = try c.decodeIfPresent(Double.self, forKey: .cfgScale)
    algTemp = try c.decodeIfPresent(Double.self, forKey: .algTemp)
    threshold = try c.decodeIfPresent(Double.self, forKey: .threshold)
    factor = try c.decodeIfPresent(Double.self, forKey: .factor)
    entropyBound = try c.decodeIfPresent(Double.self, forKey: .entropyBound)
    eta = try c.decodeIfPresent(Double.self, forKey: .eta)
    remdmSchedule = try c.decodeName(ReMDMSchedule.self, forKey: .remdmSchedule)
    remdmLoopStart = try c.decodeIfPresent(Double.self, forKey: .remdmLoopStart)
    remdmLoopEnd = try c.decodeIfPresent(Double.self, forKey: .remdmLoopEnd)
    eps = try c.decodeIfPresent(Double.self, forKey: .eps)
    sigmaMin = try c.decodeIfPresent(Double.self, forKey: .sigmaMin)
    sigmaMax = try c.decodeIfPresent(Double.self, forKey: .sigmaMax)
    exponent = try c.decodeIfPresent(Double.self, forKey: .exponent)
    scheduleCounts = try c.decodeIfPresent([Int].self, forKey: .scheduleCounts)
    do {
      seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
    } catch {
      // Negative and fractional seeds fail inside the number parser, without the key's path.
      throw APIError.badRequest("'seed' must be an integer from 0 to 2^64 - 1", param: "seed")
    }
    logitsEosInf = try c.decodeIfPresent(Bool.self, forKey: .logitsEosInf)
    confidenceEosEotInf = try c.decodeIfPresent(Bool.self, forKey: .confidenceEosEotInf)
    earlyStop = try c.decodeIfPresent(Bool.self, forKey: .earlyStop)
    scoreAllMasked = try c.decodeIfPresent(Bool.self, forKey: .scoreAllMasked)
  }

  /// `base` (the model's preset) with `length` and every field given applied, in the order
  /// `unmask generate` applies its flags, then validated by the library.
  ///
  /// - Throws: `APIError` 400 naming the field (`block_length`, ...) the library rejected.
  public func apply(to base: DenoisingSettings, length: Int?) throws -> DenoisingSettings {
    var s = base
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
    if logitsEosInf == true { s.logitsEosInf = true }
    if confidenceEosEotInf == true { s.confidenceEosEotInf = true }
    if let earlyStop { s.stopWhenBlockComplete = earlyStop }
    if scoreAllMasked == true { s.scoreAllMasked = true }
    if let scheduleCounts {
      s.explicitCounts = scheduleCounts
      if schedule == nil { s.schedule = .explicit }
    }
    do {
      try s.validate()
    } catch let error as SamplingError {
      throw APIError.badRequest(error.description, param: Self.param(for: error))
    }
    return s
  }

  /// The body field a library error names (`block-length` -> `block_length`).
  static func param(for error: SamplingError) -> String? {
    guard case .invalidSetting(let field, _) = error else { return nil }
    switch field {
    case "length": return "max_tokens"
    case "schedule-file": return "schedule_counts"
    case "remdm-loop": return "remdm_loop_start"
    case "sigma": return "sigma_min"
    default: return field.replacingOccurrences(of: "-", with: "_")
    }
  }
}
