extension DenoisingSettings {
  /// Refuses what the uniform-state sampler (DiffusionGemma) cannot run, as the reference's
  /// `DiffusionGemmaGenerationConfig.validate` does, plus the remasking loop's flags that have
  /// no meaning without masks.
  func validateUniformState() throws {
    guard sampler == .uniformState else { return }
    func fail(_ field: String, _ message: String) -> SamplingError {
      .invalidSetting(field: field, message: message)
    }
    guard entropyBound.isFinite, entropyBound > 0 else {
      throw fail("entropy-bound", "must be a number > 0, got \(entropyBound)")
    }
    guard temperatureMin.isFinite, temperatureMin >= 0 else {
      throw fail("t-min", "must be >= 0, got \(temperatureMin)")
    }
    guard temperatureMax.isFinite, temperatureMax > temperatureMin else {
      throw fail("t-max", "must be above --t-min (\(temperatureMin)), got \(temperatureMax)")
    }
    guard stabilityThreshold >= 0 else {
      throw fail("stability-threshold", "must be an integer >= 0, got \(stabilityThreshold)")
    }
    guard confidenceThreshold.isFinite, confidenceThreshold > 0 else {
      throw fail("confidence-threshold", "must be a number > 0, got \(confidenceThreshold)")
    }
    if let path = noiseRows, path.isEmpty { throw fail("noise-rows", "needs a file path") }
    let name = strategy.name.rawValue
    guard UniformAcceptance.Ranking(strategy: name) != nil else {
      throw fail(
        "strategy",
        "\(name) does not apply to uniform-state diffusion, which has no masks to commit: entropy-bounded (DiffusionGemma's own rule), entropy, confidence or margin choose the accepted positions"
      )
    }
    let unused: [(Bool, String)] = [
      (topK != nil, "top-k"), (topP != nil, "top-p"), (cfgScale != 0, "cfg-scale"),
      (algTemperature != nil, "alg-temp"), (cache != .none, "cache"),
      (replayDraws != nil, "replay-draws"), (eosFill, "eos-fill"), (minLength > 0, "min-length"),
    ]
    for (given, flag) in unused where given {
      throw fail(flag, "does not apply to the uniform-state sampler")
    }
  }
}
