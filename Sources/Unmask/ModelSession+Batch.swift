import UnmaskSampling

extension ModelSession {
  /// Runs several generations together: one forward pass per step for the whole batch, each
  /// answer equal to that prompt's `generate(prompt:settings:)`, token for token (see
  /// `Denoiser.generate(_:)`). Prompts may hold masks (infilling); `observers[i]`, when given,
  /// see prompt i's steps (a trace recorder per prompt, say).
  public func generate(
    batch prompts: [[Int32]], settings: DenoisingSettings,
    observers: [[DenoisingObserver]]? = nil
  ) throws -> [Generation] {
    for prompt in prompts {
      try checkVocabulary(prompt)
      try checkCanvas(promptLength: prompt.count, settings: settings)
    }
    let results = try Denoiser(model: model, settings: settings).generate(
      batch: prompts, observers: observers)
    return zip(prompts, results).map { prompt, result in
      Generation(
        prompt: prompt, settings: settings, result: result,
        text: tokenizer?.decode(result.generated, skipSpecialTokens: true) ?? "")
    }
  }
}
