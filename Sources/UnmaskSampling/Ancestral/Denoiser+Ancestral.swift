import UnmaskCore

extension Denoiser {
  /// The ancestral sampler `settings.sampler` names, for this model (throws when the model
  /// cannot run it: `semi-ar` on a model without a block-causal mask, a block length other than
  /// the checkpoint's, a schedule the sampler does not read).
  func makeAncestralSampler() throws -> AncestralSampler {
    switch settings.sampler {
    case .semiAR:
      return .bd3lm(try BD3LMSampler(model: model, settings: settings, schedule: schedule))
    default:
      return .mdlm(try MDLMSampler(model: model, settings: settings, schedule: schedule))
    }
  }

  /// Fills the masks of `canvas` with the ancestral sampler `settings.sampler` names, drawing
  /// from `draws`: the random-source seam (`UniformSource`). Pass a `ReplayedDraws` to reproduce
  /// a reference run, a `SeededGenerator` (what `generate` uses: `settings.seed`, or the
  /// recording `settings.replayDraws` names) or a source of your own.
  ///
  /// - Throws: `SamplingError.invalidSetting` when `settings.sampler` is `remasking`;
  ///   `SamplingError.replay` when a replay does not fit the run.
  public func generate(
    canvas: [Int32], promptLength: Int, draws: inout any UniformSource,
    observers: [DenoisingObserver] = []
  ) throws -> DenoisingResult {
    guard settings.sampler.isAncestral else {
      throw SamplingError.invalidSetting(
        field: "sampler",
        message: "remasking draws from the run's seed; a random source needs an ancestral sampler")
    }
    guard promptLength >= 0, promptLength + settings.length <= canvas.count else {
      throw SamplingError.invalidPrompt(
        "the canvas holds \(canvas.count) tokens, fewer than the prompt's \(promptLength) plus the \(settings.length) generated positions"
      )
    }
    observers.forEach { $0.denoisingWillStart(canvas: canvas, promptLength: promptLength) }
    let result: DenoisingResult
    switch try makeAncestralSampler() {
    case .mdlm(let sampler):
      result = try sampler.generate(
        canvas: canvas, promptLength: promptLength, observers: observers, draws: &draws)
    case .bd3lm(let sampler):
      result = try sampler.generate(
        canvas: canvas, promptLength: promptLength, observers: observers, draws: &draws)
    }
    observers.forEach { $0.denoisingDidEnd(canvas: result.canvas) }
    return result
  }

  /// The jobs one after another, each from `settings.seed` (or the one recording
  /// `settings.replayDraws` names, which holds a single run's draws).
  func generateAncestral(_ jobs: [DenoisingJob]) throws -> [DenoisingResult] {
    if let path = settings.replayDraws, jobs.count > 1 {
      throw SamplingError.replay(
        path: path, message: "holds one run's draws; replay it with one prompt, not \(jobs.count)")
    }
    return try jobs.map { job in
      var draws: any UniformSource =
        try settings.replayDraws.map { try ReplayedDraws(contentsOf: $0) }
        ?? SeededGenerator(seed: settings.seed)
      return try generate(
        canvas: job.canvas, promptLength: job.promptLength, draws: &draws,
        observers: job.observers)
    }
  }
}

/// An ancestral sampler built for one model and its settings.
enum AncestralSampler {
  /// MDLM's and ReMDM's (`ddpm`, `ddpm-cache`).
  case mdlm(MDLMSampler)
  /// BD3-LM's (`semi-ar`).
  case bd3lm(BD3LMSampler)
}
