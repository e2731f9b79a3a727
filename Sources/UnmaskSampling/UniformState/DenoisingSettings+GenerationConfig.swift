import UnmaskCore

extension DenoisingSettings {
  /// A checkpoint's `generation_config.json` over the `diffusiongemma` preset, as the reference
  /// lets it override its global defaults (`DiffusionGemmaGenerationConfig`):
  /// `max_new_tokens` -> `length`, `max_denoising_steps` -> `steps`,
  /// `sampler_config.entropy_bound`, `t_min`, `t_max`, `stability_threshold`,
  /// `confidence_threshold`, `eos_token_id` (a list's first two become the EOS and end-of-turn
  /// ids, both of which end a run) and `pad_token_id`. Keys it
  /// does not hold keep the preset's values.
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
    if let eos = config["eos_token_id"] {
      let ids = (eos.intValue.map { [$0] } ?? eos.arrayValue?.compactMap(\.intValue) ?? [])
        .compactMap { Int32(exactly: $0) }
      if let first = ids.first {
        eosID = first
        eotID = ids.count > 1 ? ids[1] : nil
      }
    }
    if let pad = config["pad_token_id"]?.intValue, let id = Int32(exactly: pad) { padID = id }
  }
}
