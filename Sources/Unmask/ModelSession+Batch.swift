import UnmaskSampling

extension ModelSession {
  /// Runs several generations together: one forward pass per step for the whole batch, each
  /// answer equal to that prompt's `generate(prompt:settings:)`, token for token (see
  /// `Denoiser.generate(batch:)`).
  public func generate(batch prompts: [[Int32]], settings: DenoisingSettings) throws
    -> [Generation]
  {
    for prompt in prompts {
      try checkVocabulary(prompt)
      try checkCanvas(promptLength: prompt.count, settings: settings)
    }
    let results = try Denoiser(model: model, settings: settings).generate(batch: prompts)
    return zip(prompts, results).map { prompt, result in
      Generation(
        prompt: prompt, settings: settings, result: result,
        text: tokenizer?.decode(result.generated, skipSpecialTokens: true) ?? "")
    }
  }
}
