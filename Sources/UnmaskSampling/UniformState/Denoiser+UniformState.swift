import UnmaskCore

extension Denoiser {
  /// The uniform-state sampler for this model (throws when the model has no canvas decoder or
  /// the strategy does not apply).
  func makeUniformStateSampler() throws -> UniformStateSampler {
    guard let decoder = model.canvasDecoder else {
      throw SamplingError.invalidSetting(
        field: "sampler",
        message:
          "uniform-state needs a uniform-state model (DiffusionGemma); this one fills masks")
    }
    return try UniformStateSampler(decoder: decoder, settings: settings)
  }

  /// The jobs one after another (`UniformStateSampler`): each generates after its prompt
  /// (`canvas[..<promptLength]`; the rest of the canvas is not read: a uniform-state canvas
  /// starts as noise). Random canvases come from `settings.noiseRows` when set, else from
  /// `settings.seed`; token draws from a second generator seeded from `settings.seed`.
  func generateUniformState(_ jobs: [DenoisingJob]) throws -> [DenoisingResult] {
    if let path = settings.noiseRows, jobs.count > 1 {
      throw SamplingError.replay(
        path: path,
        message: "holds one run's noise rows; replay it with one prompt, not \(jobs.count)")
    }
    let sampler = try makeUniformStateSampler()
    return try jobs.map { job in
      var noise: any CanvasNoise =
        try settings.noiseRows.map { try NoiseRows(contentsOf: $0) }
        ?? SeededNoise(generator: SeededGenerator(seed: settings.seed))
      var tokens = SeededGenerator(seed: settings.seed ^ 0x9E37_79B9_7F4A_7C15)
      return try sampler.generate(
        prompt: Array(job.canvas[..<job.promptLength]), noise: &noise, tokens: &tokens,
        observers: job.observers)
    }
  }
}
