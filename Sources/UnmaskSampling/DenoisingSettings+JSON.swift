import UnmaskCore

/// Settings as JSON: one flat object with snake_case keys, the same names as the CLI flags.
///
/// ```json
/// {"length": 64, "steps": 64, "block_length": 32, "strategy": "threshold", "threshold": 0.9,
///  "schedule": "linear", "temperature": 0, "seed": 1, ...}
/// ```
/// The strategy's and schedule's parameters sit beside their names. Decoding is lenient, so
/// that traces written by older versions (which wrote every parameter of every strategy) still
/// load: a key that belongs to no field or to another strategy is ignored. `applying(_:)`, used
/// for overrides from the command line, sweep points and server requests, is strict.
extension DenoisingSettings: Codable {
  /// Keys of the fields every run reads (not the strategy's or schedule's parameters).
  public static let fieldKeys: Set<String> = [
    "length", "steps", "block_length", "strategy", "schedule", "rounding", "proposal",
    "confidence_precision", "temperature", "top_k", "top_p", "cfg_scale", "alg_temp", "eps",
    "seed", "stop_when_block_complete", "score_all_masked", "logits_eos_inf",
    "confidence_eos_eot_inf", "mask_id", "eos_id", "eot_id", "reference_eos_bug", "stop_at_eos",
    "eos_fill", "min_length", "cache", "block_layout", "minimal_topk", "end_after_eos_block",
    "after_eos", "topk_over",
    "block_causal", "right_shift_logits", "sampler", "first_hitting", "var_length", "dfm",
    "stride_length", "use_block_cache", "noise_removal",
    "sampling_eps", "replay_draws", "entropy_bound", "t_max", "t_min", "stability_threshold",
    "confidence_threshold", "noise_rows", "pad_id", "more_end_ids", "caps_steps_at_length",
  ]

  /// Every key a settings object may hold: the fields and every registered strategy's and
  /// schedule's parameters (from `StrategyRegistry` and `ScheduleRegistry`).
  public static var allKeys: Set<String> {
    fieldKeys.union(StrategyRegistry.parameterKeys).union(ScheduleRegistry.parameterKeys)
  }

  /// Reads a settings object; a missing key keeps its default, unknown keys are ignored.
  public init(object: [String: JSONValue]) throws {
    let o = SettingsObject(values: object)
    var s = DenoisingSettings()
    s.length = try o.int("length") ?? s.length
    s.steps = try o.int("steps") ?? s.steps
    s.blockLength = try o.int("block_length") ?? s.blockLength
    s.blockLayout = try o.choice("block_layout", "block layout") ?? s.blockLayout
    s.minimalTopK = try o.int("minimal_topk") ?? s.minimalTopK
    s.capsStepsAtLength = try o.bool("caps_steps_at_length") ?? s.capsStepsAtLength
    s.endAfterEOSBlock = try o.bool("end_after_eos_block") ?? s.endAfterEOSBlock
    s.afterEOS = try o.choice("after_eos", "after-EOS rule") ?? s.afterEOS
    s.topKScope = try o.choice("topk_over", "top-k scope") ?? s.topKScope
    s.blockCausal = try o.bool("block_causal") ?? s.blockCausal
    s.rightShiftLogits = try o.bool("right_shift_logits") ?? s.rightShiftLogits
    s.sampler = try o.choice("sampler", "sampler") ?? s.sampler
    s.firstHitting = try o.bool("first_hitting") ?? s.firstHitting
    s.variableLength = try o.bool("var_length") ?? s.variableLength
    s.dfm = try o.bool("dfm") ?? s.dfm
    if let v = try o.optional("stride_length", o.int) { s.strideLength = v }
    s.useBlockCache = try o.bool("use_block_cache") ?? s.useBlockCache
    s.noiseRemoval = try o.bool("noise_removal") ?? s.noiseRemoval
    s.samplingEps = try o.double("sampling_eps") ?? s.samplingEps
    if let v = try o.optional("replay_draws", o.path) { s.replayDraws = v }
    s.entropyBound = try o.double("entropy_bound") ?? s.entropyBound
    s.temperatureMax = try o.double("t_max") ?? s.temperatureMax
    s.temperatureMin = try o.double("t_min") ?? s.temperatureMin
    s.stabilityThreshold = try o.int("stability_threshold") ?? s.stabilityThreshold
    s.confidenceThreshold = try o.double("confidence_threshold") ?? s.confidenceThreshold
    if let v = try o.optional("noise_rows", o.path) { s.noiseRows = v }
    let strategy = try o.descriptor("strategy", in: StrategyRegistry.table)
    s.strategy = try Strategy(strategy ?? s.strategy.descriptor, reading: o)
    let schedule = try o.descriptor("schedule", in: ScheduleRegistry.table)
    s.schedule = try Schedule(schedule ?? s.schedule.descriptor, reading: o)
    s.rounding = try o.choice("rounding", "rounding rule") ?? s.rounding
    s.proposal = try o.choice("proposal", "proposal rule") ?? s.proposal
    s.confidencePrecision =
      try o.choice("confidence_precision", "confidence precision") ?? s.confidencePrecision
    s.temperature = try o.double("temperature") ?? s.temperature
    if let v = try o.optional("top_k", o.int) { s.topK = v }
    if let v = try o.optional("top_p", o.double) { s.topP = v }
    s.cfgScale = try o.double("cfg_scale") ?? s.cfgScale
    if let v = try o.optional("alg_temp", o.double) { s.algTemperature = v }
    s.eps = try o.double("eps") ?? s.eps
    s.seed = try o.uint64("seed") ?? s.seed
    s.stopWhenBlockComplete = try o.bool("stop_when_block_complete") ?? s.stopWhenBlockComplete
    s.scoreAllMasked = try o.bool("score_all_masked") ?? s.scoreAllMasked
    s.cache = try o.choice("cache", "cache mode") ?? s.cache
    s.logitsEosInf = try o.bool("logits_eos_inf") ?? s.logitsEosInf
    s.confidenceEosEotInf = try o.bool("confidence_eos_eot_inf") ?? s.confidenceEosEotInf
    s.referenceEOSBug = try o.bool("reference_eos_bug") ?? s.referenceEOSBug
    s.stopAtEOS = try o.bool("stop_at_eos") ?? s.stopAtEOS
    s.eosFill = try o.bool("eos_fill") ?? s.eosFill
    s.minLength = try o.int("min_length") ?? s.minLength
    if let id = try o.int("mask_id") { s.maskID = try Self.tokenID(id, "mask_id") }
    if let v = try o.optional("eos_id", o.int) {
      s.eosID = try v.map { try Self.tokenID($0, "eos_id") }
    }
    if let v = try o.optional("eot_id", o.int) {
      s.eotID = try v.map { try Self.tokenID($0, "eot_id") }
    }
    if let ids = try o.ints("more_end_ids") {
      s.moreEndIDs = try ids.map { try Self.tokenID($0, "more_end_ids") }
    }
    if let v = try o.optional("pad_id", o.int) {
      s.padID = try v.map { try Self.tokenID($0, "pad_id") }
    }
    self = s
  }

  private static func tokenID(_ value: Int, _ key: String) throws -> Int32 {
    guard let id = Int32(exactly: value), id >= 0 else {
      throw SamplingError.invalidSetting(
        field: key, message: "must be a token id >= 0, got \(value)")
    }
    return id
  }

  /// The settings as one flat JSON object (nil optionals as null).
  public var jsonObject: [String: JSONValue] {
    func optional<T>(_ value: T?, _ make: (T) -> JSONValue) -> JSONValue {
      value.map(make) ?? .null
    }
    var o: [String: JSONValue] = [
      "length": .integer(length), "steps": .integer(steps), "block_length": .integer(blockLength),
      "block_layout": .string(blockLayout.rawValue), "minimal_topk": .integer(minimalTopK),
      "caps_steps_at_length": .bool(capsStepsAtLength),
      "end_after_eos_block": .bool(endAfterEOSBlock), "after_eos": .string(afterEOS.rawValue),
      "topk_over": .string(topKScope.rawValue),
      "block_causal": .bool(blockCausal), "right_shift_logits": .bool(rightShiftLogits),
      "sampler": .string(sampler.rawValue), "first_hitting": .bool(firstHitting),
      "var_length": .bool(variableLength), "dfm": .bool(dfm),
      "stride_length": optional(strideLength) { .integer($0) },
      "use_block_cache": .bool(useBlockCache),
      "noise_removal": .bool(noiseRemoval), "sampling_eps": .number(samplingEps),
      "replay_draws": optional(replayDraws) { .string($0) },
      "entropy_bound": .number(entropyBound), "t_max": .number(temperatureMax),
      "t_min": .number(temperatureMin), "stability_threshold": .integer(stabilityThreshold),
      "confidence_threshold": .number(confidenceThreshold),
      "noise_rows": optional(noiseRows) { .string($0) },
      "strategy": .string(strategy.name.rawValue), "schedule": .string(schedule.name.rawValue),
      "rounding": .string(rounding.rawValue), "proposal": .string(proposal.rawValue),
      "confidence_precision": .string(confidencePrecision.rawValue),
      "temperature": .number(temperature), "top_k": optional(topK) { .integer($0) },
      "top_p": optional(topP) { .number($0) }, "cfg_scale": .number(cfgScale),
      "alg_temp": optional(algTemperature) { .number($0) }, "eps": .number(eps),
      // Seeds above Int.max do not fit a JSON integer here; they are written as numbers.
      "seed": seed <= UInt64(Int.max) ? .integer(Int(seed)) : .number(Double(seed)),
      "stop_when_block_complete": .bool(stopWhenBlockComplete),
      "score_all_masked": .bool(scoreAllMasked), "cache": .string(cache.rawValue),
      "logits_eos_inf": .bool(logitsEosInf),
      "confidence_eos_eot_inf": .bool(confidenceEosEotInf), "mask_id": .integer(Int(maskID)),
      "eos_id": optional(eosID) { .integer(Int($0)) },
      "eot_id": optional(eotID) { .integer(Int($0)) },
      "more_end_ids": .array(moreEndIDs.map { .integer(Int($0)) }),
      "pad_id": optional(padID) { .integer(Int($0)) },
      "reference_eos_bug": .bool(referenceEOSBug), "stop_at_eos": .bool(stopAtEOS),
      "eos_fill": .bool(eosFill), "min_length": .integer(minLength),
    ]
    o.merge(strategy.parameters) { _, new in new }
    o.merge(schedule.parameters) { _, new in new }
    return o
  }

  /// Decodes a settings object (see the type's note on leniency).
  public init(from decoder: Decoder) throws {
    try self.init(object: try [String: JSONValue](from: decoder))
  }

  /// Encodes the flat object.
  public func encode(to encoder: Encoder) throws {
    try jsonObject.encode(to: encoder)
  }

  /// These settings with `overrides` applied, validated: the one way command-line flags, sweep
  /// points and request bodies change settings.
  ///
  /// Strict where decoding is lenient: an unknown key, or a parameter of a strategy or schedule
  /// the result does not use (`threshold` with the `confidence` strategy), is an error naming
  /// the key. Giving a strategy or schedule name resets its parameters to their defaults before
  /// the overrides' own parameters apply.
  public func applying(_ overrides: [String: JSONValue]) throws -> DenoisingSettings {
    let known = Self.allKeys
    if let unknown = overrides.keys.sorted().first(where: { !known.contains($0) }) {
      throw SamplingError.invalidSetting(
        field: unknown,
        message: "is not a setting; known: \(known.sorted().joined(separator: ", "))")
    }
    var object = jsonObject
    // A new strategy or schedule starts from its own defaults, not the old one's parameters.
    // (A key that is also a field, `entropy_bound`, keeps its value: the uniform-state
    // sampler's bound is the EB-sampler's parameter under every ranking strategy.)
    if overrides["strategy"] != nil {
      for key in StrategyRegistry.parameterKeys where !Self.fieldKeys.contains(key) {
        object[key] = nil
      }
    }
    if overrides["schedule"] != nil {
      for key in ScheduleRegistry.parameterKeys { object[key] = nil }
    }
    object.merge(overrides) { _, new in new }
    // A length without a block length means one block, as the references' defaults do; and
    // without steps, no more steps than positions (the presets run one commit per step, so
    // `--length 8` alone is 8 steps, not the preset's 128 with 120 committing nothing).
    // A `--block-causal` run keeps its block: the one its model was trained with (BD3LM's 32);
    // so does a block-diffusion preset (the canvas grid), whose steps count per block, and an
    // ancestral sampler (semi-ar's block is the checkpoint's, or MDLM's window).
    if let length = overrides["length"] {
      let layout = object["block_layout"]?.stringValue.flatMap(BlockLayout.init) ?? .afterPrompt
      // The ancestral samplers run their references' steps on any canvas (MDLM's 128).
      let kind = (object["sampler"]?.stringValue).flatMap(SamplerKind.init)
      let ancestral = (kind?.isAncestral ?? false) || kind == .uniformState
      let keepsBlock = (object["block_causal"]?.boolValue ?? false) || layout.isGrid || ancestral
      if overrides["block_length"] == nil && !keepsBlock { object["block_length"] = length }
      if overrides["steps"] == nil, layout.startsAtPrompt, !ancestral, let n = length.intValue,
        n >= 1, n < steps
      {
        object["steps"] = .integer(n)
      }
    }
    let result = try DenoisingSettings(object: object)
    let used = Set(result.strategy.descriptor.parameterSet.keys)
      .union(result.schedule.descriptor.parameterSet.keys)
    for key in overrides.keys.sorted()
    where !Self.fieldKeys.contains(key) && !used.contains(key) {
      throw SamplingError.invalidSetting(
        field: key,
        message:
          "does not apply to strategy \(result.strategy.name.rawValue) and schedule \(result.schedule.name.rawValue)"
      )
    }
    try result.validate()
    return result
  }
}
