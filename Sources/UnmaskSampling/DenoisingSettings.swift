/// Every setting of a denoising run: what the CLI parses, a config file holds and a trace records.
///
/// A run is fully determined by these settings, the prompt and the model: the seed included.
/// Missing keys in a decoded file take the defaults below (LLaDA `generate()`'s defaults).
public struct DenoisingSettings: Codable, Equatable, Sendable {
  /// Number of masks appended to the prompt (`gen_length`).
  public var length: Int = 128
  /// Total denoising steps, split evenly across blocks (`steps`).
  public var steps: Int = 128
  /// Semi-autoregressive block length (`block_length`); equal to `length` for one block.
  public var blockLength: Int = 128
  /// Which masked positions are committed each step.
  public var strategy: StrategyName = .confidence
  /// How the masked fraction falls over time.
  public var schedule: ScheduleName = .linear
  /// How fractional counts become whole commits.
  public var rounding: RoundingRule = .even
  /// How tokens are proposed and scored (LLaDA's Gumbel float64 or Dream's filtered float32).
  public var proposal: ProposalRule = .llada
  /// Precision of LLaDA-style confidences (`ProposalRule.llada` only).
  public var confidencePrecision: ConfidencePrecision = .float64
  /// Sampling temperature; 0 = greedy argmax.
  public var temperature: Double = 0
  /// Keep only the `topK` largest logits (Dream `top_k_logits`); nil = no filtering.
  public var topK: Int? = nil
  /// Nucleus filtering (Dream `top_p_logits`); nil or 1 = no filtering.
  public var topP: Double? = nil
  /// Classifier-free guidance: `un + (cfgScale + 1) * (cond - un)`, 0 = off (LLaDA).
  public var cfgScale: Double = 0
  /// Sample positions from `softmax(score / algTemperature)` instead of taking the top ones
  /// (Dream `alg_temp`); nil or 0 = take the top ones.
  public var algTemperature: Double? = nil
  /// Fast-dLLM threshold: commit every candidate with confidence >= threshold, at least one.
  public var threshold: Double = 0.9
  /// Fast-dLLM factor rule: commit the best n while the n-th confidence >= 1 - factor / (n + 1).
  public var factor: Double = 1
  /// EB-sampler bound gamma on the summed entropy (nats) of a step's commits minus the largest.
  public var entropyBound: Double = 0.1
  /// ReMDM remasking strength eta.
  public var eta: Double = 0.04
  /// ReMDM schedule for the remasking probability.
  public var remdmSchedule: ReMDMSchedule = .cap
  /// ReMDM loop window start (time t at which remasking begins), for the `loop` schedule.
  public var remdmLoopStart: Double = 0.55
  /// ReMDM loop window end (time t at which remasking stops), for the `loop` schedule.
  public var remdmLoopEnd: Double = 0.05
  /// Dream's final time `eps` in `linspace(1, eps, steps + 1)`; MDLM's log-linear eps.
  public var eps: Double = 1e-3
  /// Geometric schedule sigma_min.
  public var sigmaMin: Double = 1e-4
  /// Geometric schedule sigma_max.
  public var sigmaMax: Double = 20
  /// Polynomial schedule exponent: masked fraction `t^exponent`.
  public var exponent: Double = 2
  /// Commits per step of each block for the `explicit` schedule (from `--schedule-file`).
  public var explicitCounts: [Int]? = nil
  /// Seed of the run's one random generator.
  public var seed: UInt64 = 0
  /// Stop a block as soon as it has no mask left (Fast-dLLM); LLaDA and Dream run every step.
  public var stopWhenBlockComplete: Bool = false
  /// Also score masked positions beyond the current block for the step events (traces, live
  /// views); costs one softmax per such position. Commits and the random stream are unchanged.
  public var scoreAllMasked: Bool = false
  /// Fast-dLLM's key/value cache (`none`, `prefix`, `dual`); see `CacheMode`.
  public var cache: CacheMode = .none
  /// LLaDA `logits_eos_inf`: the EOS logit is -inf before proposing.
  public var logitsEosInf: Bool = false
  /// LLaDA `confidence_eos_eot_inf`, as intended: confidences come from a softmax with the EOS
  /// and EoT logits at -inf, so proposing either scores 0 (see docs/STRATEGIES.md).
  public var confidenceEosEotInf: Bool = false
  /// The mask token id.
  public var maskID: Int32 = 126336
  /// End-of-sequence id (from the tokenizer), used by the EOS controls.
  public var eosID: Int32? = 126081
  /// End-of-turn id (from the tokenizer), used by `confidenceEosEotInf`.
  public var eotID: Int32? = 126348

  /// LLaDA `generate()`'s defaults.
  public init() {}

  /// Number of semi-autoregressive blocks, `length / blockLength`.
  public var blockCount: Int { blockLength > 0 ? length / blockLength : 0 }
  /// Steps inside each block, `steps / blockCount`.
  public var stepsPerBlock: Int { blockCount > 0 ? steps / blockCount : 0 }

  private enum CodingKeys: String, CodingKey {
    case length, steps, blockLength = "block_length", strategy, schedule, rounding, proposal
    case confidencePrecision = "confidence_precision"
    case temperature, topK = "top_k", topP = "top_p", cfgScale = "cfg_scale"
    case algTemperature = "alg_temp", threshold, factor, entropyBound = "entropy_bound", eta
    case remdmSchedule = "remdm_schedule", remdmLoopStart = "remdm_loop_start"
    case remdmLoopEnd = "remdm_loop_end", eps, sigmaMin = "sigma_min", sigmaMax = "sigma_max"
    case exponent, explicitCounts = "explicit_counts", seed
    case stopWhenBlockComplete = "stop_when_block_complete", logitsEosInf = "logits_eos_inf"
    case scoreAllMasked = "score_all_masked", cache
    case confidenceEosEotInf = "confidence_eos_eot_inf", maskID = "mask_id", eosID = "eos_id"
    case eotID = "eot_id"
  }

  /// Decodes snake_case keys; a missing key keeps its default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    var s = DenoisingSettings()
    func get<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
      if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
    }
    func getOptional<T: Decodable>(_ key: CodingKeys, _ value: inout T?) throws {
      if c.contains(key) { value = try c.decodeIfPresent(T.self, forKey: key) }
    }
    try get(.length, &s.length)
    try get(.steps, &s.steps)
    try get(.blockLength, &s.blockLength)
    try get(.strategy, &s.strategy)
    try get(.schedule, &s.schedule)
    try get(.rounding, &s.rounding)
    try get(.proposal, &s.proposal)
    try get(.confidencePrecision, &s.confidencePrecision)
    try get(.temperature, &s.temperature)
    try getOptional(.topK, &s.topK)
    try getOptional(.topP, &s.topP)
    try get(.cfgScale, &s.cfgScale)
    try getOptional(.algTemperature, &s.algTemperature)
    try get(.threshold, &s.threshold)
    try get(.factor, &s.factor)
    try get(.entropyBound, &s.entropyBound)
    try get(.eta, &s.eta)
    try get(.remdmSchedule, &s.remdmSchedule)
    try get(.remdmLoopStart, &s.remdmLoopStart)
    try get(.remdmLoopEnd, &s.remdmLoopEnd)
    try get(.eps, &s.eps)
    try get(.sigmaMin, &s.sigmaMin)
    try get(.sigmaMax, &s.sigmaMax)
    try get(.exponent, &s.exponent)
    try getOptional(.explicitCounts, &s.explicitCounts)
    try get(.seed, &s.seed)
    try get(.stopWhenBlockComplete, &s.stopWhenBlockComplete)
    try get(.scoreAllMasked, &s.scoreAllMasked)
    try get(.cache, &s.cache)
    try get(.logitsEosInf, &s.logitsEosInf)
    try get(.confidenceEosEotInf, &s.confidenceEosEotInf)
    try get(.maskID, &s.maskID)
    try getOptional(.eosID, &s.eosID)
    try getOptional(.eotID, &s.eotID)
    self = s
  }

  /// Encodes every field with snake_case keys (nil optionals as null).
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(length, forKey: .length)
    try c.encode(steps, forKey: .steps)
    try c.encode(blockLength, forKey: .blockLength)
    try c.encode(strategy, forKey: .strategy)
    try c.encode(schedule, forKey: .schedule)
    try c.encode(rounding, forKey: .rounding)
    try c.encode(proposal, forKey: .proposal)
    try c.encode(confidencePrecision, forKey: .confidencePrecision)
    try c.encode(temperature, forKey: .temperature)
    try c.encode(topK, forKey: .topK)
    try c.encode(topP, forKey: .topP)
    try c.encode(cfgScale, forKey: .cfgScale)
    try c.encode(algTemperature, forKey: .algTemperature)
    try c.encode(threshold, forKey: .threshold)
    try c.encode(factor, forKey: .factor)
    try c.encode(entropyBound, forKey: .entropyBound)
    try c.encode(eta, forKey: .eta)
    try c.encode(remdmSchedule, forKey: .remdmSchedule)
    try c.encode(remdmLoopStart, forKey: .remdmLoopStart)
    try c.encode(remdmLoopEnd, forKey: .remdmLoopEnd)
    try c.encode(eps, forKey: .eps)
    try c.encode(sigmaMin, forKey: .sigmaMin)
    try c.encode(sigmaMax, forKey: .sigmaMax)
    try c.encode(exponent, forKey: .exponent)
    try c.encode(explicitCounts, forKey: .explicitCounts)
    try c.encode(seed, forKey: .seed)
    try c.encode(stopWhenBlockComplete, forKey: .stopWhenBlockComplete)
    try c.encode(scoreAllMasked, forKey: .scoreAllMasked)
    try c.encode(cache, forKey: .cache)
    try c.encode(logitsEosInf, forKey: .logitsEosInf)
    try c.encode(confidenceEosEotInf, forKey: .confidenceEosEotInf)
    try c.encode(maskID, forKey: .maskID)
    try c.encode(eosID, forKey: .eosID)
    try c.encode(eotID, forKey: .eotID)
  }
}
