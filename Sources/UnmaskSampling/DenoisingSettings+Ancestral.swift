extension PresetName {
  /// Whether the name means another reference on another architecture: `mdlm` and `bd3lm` are
  /// the Kuleshov group's samplers on MDLM and BD3-LM (DiT) checkpoints
  /// (`DenoisingSettings.ancestralPreset`), dllm's on its a2d models (`preset(_:)`).
  public var dependsOnArchitecture: Bool { self == .mdlm || self == .bd3lm }
}

extension DenoisingSettings {
  /// The Kuleshov group's own samplers, for MDLM and BD3-LM checkpoints (`ModelSession` picks
  /// these for them, and `preset(_:)`'s dllm samplers for dllm's a2d models); nil for the other
  /// names.
  ///
  /// - `mdlm`: kuleshov-group/mdlm's configs/config.yaml `sampling`: `ddpm_cache` (the
  ///   `predictor`), 128 steps, `noise_removal`, the log-linear noise (eps 1e-3) and
  ///   `_sample`'s grid `linspace(1, 1e-5, steps + 1)`; no nucleus. `--sampler ddpm` runs
  ///   `_ddpm_update` (any of MDLM's schedules); `--strategy remdm` ReMDM's samplers
  ///   (kuleshov-group/remdm: `--remdm-schedule cap|rescale|conf|loop`, `--eta`, ..., its scripts'
  ///   `--top-p 0.9`); origin with `--top-p` below 1 is remdm's `sampler: mdlm`.
  /// - `bd3lm`: kuleshov-group/bd3lms' scripts/gen_ppl/genppl_bd3lm.sh: `semi_ar` with
  ///   `first_hitting`, `algo.T` 5000 steps per block (first-hitting finishes a block in
  ///   `block_size` of them), nucleus `--top-p 0.9`, the key/value cache (`--cache exact`),
  ///   blocks of the checkpoint's `block_size` on the grid from the canvas's first position
  ///   (the session sets `blockLength`).
  ///
  /// Both sample (temperature 1, the strategy `origin`: each position moves with the
  /// schedule's probability); the model's mask id comes from the session (`vocab_size - 1`).
  public static func ancestralPreset(_ name: PresetName) -> DenoisingSettings? {
    var s = DenoisingSettings()
    s.strategy = .origin
    s.temperature = 1
    s.schedule = .logLinear
    s.eps = 1e-3
    s.eosID = nil
    s.eotID = nil
    switch name {
    case .mdlm:
      s.sampler = .ddpmCache
      s.steps = 128
      s.length = 128
      s.blockLength = 128
    case .bd3lm:
      s.sampler = .semiAR
      s.steps = 5000
      s.length = 128
      s.blockLayout = .canvasGrid
      s.blockLength = 4
      s.topP = 0.9
      s.cache = .exact
    default:
      return nil
    }
    return s
  }

  /// The rules of the ancestral samplers (`sampler` other than `remasking`): the settings they
  /// read, and the ones of the remasking loop they cannot honour.
  func validateAncestral() throws {
    if variableLength && sampler != .semiAR {
      throw SamplingError.invalidSetting(
        field: "var-length", message: "is BD3-LM's semi-ar stopping rule (--sampler semi-ar)")
    }
    if dfm {
      guard sampler == .ddpmCache, strategy.name == .origin else {
        throw SamplingError.invalidSetting(
          field: "dfm",
          message:
            "is ReMDM's corrector for --sampler ddpm-cache, which replaces the update (--strategy origin)"
        )
      }
      guard let p = topP, p < 1 else {
        throw SamplingError.invalidSetting(
          field: "dfm",
          message:
            "needs --top-p below 1: ReMDM's _dfm_caching_update sets p_x0 only under its nucleus (with nucleus_p 1 it fails)"
        )
      }
    }
    if let stride = strideLength {
      guard sampler == .ddpmCache, strategy.name == .origin, !dfm, topP.map({ $0 == 1 }) ?? true
      else {
        throw SamplingError.invalidSetting(
          field: "stride-length",
          message:
            "is MDLM's semi-autoregressive sampler, which runs mdlm's ddpm-cache update alone (--sampler ddpm-cache --strategy origin, no --top-p or --dfm)"
        )
      }
      guard stride >= 1, stride <= blockLength else {
        throw SamplingError.invalidSetting(
          field: "stride-length",
          message: "must be in 1...\(blockLength) (--block-length), got \(stride)")
      }
    }
    guard sampler.isAncestral else { return }
    func fail(_ field: String, _ message: String) -> SamplingError {
      .invalidSetting(field: field, message: message)
    }
    let name = sampler.rawValue
    switch (sampler, strategy.name) {
    case (_, .origin), (.ddpmCache, .remdm): break
    case (.ddpm, .remdm), (.analytic, .remdm):
      throw fail("strategy", "remdm's samplers are ddpm-cache updates (--sampler ddpm-cache)")
    default:
      throw fail(
        "strategy",
        "\(strategy.name.rawValue) is a remasking-loop strategy; the \(name) sampler runs origin (its own update)\(sampler == .ddpmCache ? " or remdm" : "")"
      )
    }
    guard temperature == 1 else {
      throw fail(
        "temperature",
        "the \(name) sampler draws from p_x0 itself (1); \(temperature) does not apply")
    }
    if topK != nil { throw fail("top-k", "does not apply to the \(name) sampler (use --top-p)") }
    if cfgScale != 0 { throw fail("cfg-scale", "does not apply to the \(name) sampler") }
    if algTemperature.map({ $0 != 0 }) ?? false {
      throw fail("alg-temp", "does not apply to the \(name) sampler")
    }
    if sampler == .ddpm || sampler == .analytic, let p = topP, p < 1 {
      throw fail(
        "top-p",
        "mdlm's \(sampler == .ddpm ? "_ddpm_update" : "_analytic_update") has no nucleus; ReMDM's ddpm-cache update has (--sampler ddpm-cache)"
      )
    }
    guard samplingEps > 0, samplingEps < 1 else {
      throw fail("sampling-eps", "must be in (0, 1), got \(samplingEps)")
    }
    switch (sampler, cache) {
    case (_, .none), (.semiAR, .exact): break
    default:
      throw fail(
        "cache",
        sampler == .semiAR
          ? "semi-ar runs with exact (BD3-LM's kv_cache) or none"
          : "\(cache.rawValue) does not apply to \(name), which reuses a pass only while its canvas is unchanged"
      )
    }
    if variableLength && eosID == nil {
      throw fail(
        "var-length",
        "ends a run at its second EOS, and this checkpoint names none (no eos_token_id in config.json, no EOS in its tokenizer; settings key eos_id)"
      )
    }
    if let path = replayDraws, path.isEmpty {
      throw fail("replay-draws", "needs a file path")
    }
    if strategy.name == .remdm, let p = strategy.parameters(as: ReMDMParameters.self),
      p.schedule == .loop, !(p.loopEnd > 0 && p.loopStart < 1 && p.alphaOn > 0)
    {
      throw fail(
        "remdm-loop",
        "ReMDM's loop divides by t_off, 1 - t_on and alpha_on: needs 0 < end, start < 1, alpha-on > 0"
      )
    }
  }
}
