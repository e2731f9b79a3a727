import UnmaskCore

extension DenoisingSettings {
  /// A checkpoint's `generation_config.json` over the `diffusiongemma` preset, as the reference
  /// lets it override its global defaults (`DiffusionGemmaGenerationConfig`):
  /// `max_new_tokens` -> `length`, `max_denoising_steps` -> `steps`,
  /// `sampler_config.entropy_bound`, `t_min`, `t_max`, `stability_threshold`,
  /// `confidence_threshold`, `eos_token_id` (an id or a list: every one ends a run; none when
  /// absent) and `pad_token_id` (none when absent). Other keys it does not hold keep the
  /// preset's values, the reference's global defaults.
  public mutating func applyGenerationConfig(_ config: JSONValue) {
    if let n = config["max_new_tokens"]?.intValue, n > 0 {
      length = n
      blockLength = n
    }
    if let n = config["max_denoising_steps"]?.intValue, n > 0 { steps = n }
    if let bound = config["sampler_config"]?["entropy_bound"]?.doubleValue {
      entropyBound = bound
      if strategy.name == .entropyBounded { strategy = .entropyBounded(gamma: bound) }
    }
    if let t = config["t_min"]?.doubleValue { temperatureMin = t }
    if let t = config["t_max"]?.doubleValue { temperatureMax = t }
    if let n = config["stability_threshold"]?.intValue { stabilityThreshold = n }
    if let c = config["confidence_threshold"]?.doubleValue { confidenceThreshold = c }
    // The reference ends a run on these ids only: not config.json's or the tokenizer's, and
    // on none when the generation config has none (`from_model_config` is not supported).
    let eos = config["eos_token_id"] ?? .null
    let ids = (eos.intValue.map { [$0] } ?? eos.arrayValue?.compactMap(\.intValue) ?? [])
      .compactMap { Int32(exactly: $0) }
    eosID = ids.first
    eotID = ids.count > 1 ? ids[1] : nil
    moreEndIDs = Array(ids.dropFirst(2))
    padID = config["pad_token_id"]?.intValue.flatMap { Int32(exactly: $0) }
  }
}
