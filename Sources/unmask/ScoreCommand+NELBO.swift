import ArgumentParser
import Foundation
import Unmask
import UnmaskExperiments

// `unmask score --preset mdlm|bd3lm`: MDLM's and BD3-LM's NELBO of a sequence (`--tokens`, at
// the bound's own draws or at given `--t-values` / `--masks`) or of a text (`--text`).

extension ScoreCommand {
  /// The NELBO path: checks the flags against the bound, builds it, scores, prints.
  func scoreNELBO(_ session: ModelSession, bound: ScoreBound) throws {
    let pairFlags = [
      ("--prompt", prompt), ("--answer", answer), ("--prompt-tokens", promptTokens),
      ("--answer-tokens", answerTokens), ("--data", data),
    ].filter { $0.1 != nil }.map(\.0)
    if !pairFlags.isEmpty {
      throw CommandError(
        "--preset \(bound.rawValue) scores whole sequences (--tokens IDS or --text FILE), not \(pairFlags.joined(separator: ", "))"
      )
    }
    if cfgScale != 0 {
      throw CommandError("--cfg-scale belongs to LLaDA's ELBO; the NELBOs have no guidance")
    }
    // The NELBO's move chance and weight are the log-linear schedule's; the reference computes
    // it with no other (see docs/LIKELIHOOD.md, "Decisions on bad input").
    if let schedule, schedule != ScheduleName.logLinear.rawValue {
      throw CommandError(
        "--schedule \(schedule): the \(bound.rawValue) NELBO is computed on the log-linear schedule its checkpoints are trained and evaluated with (noise_schedule.py LogLinearNoise); no other is supported"
      )
    }
    if tSampling != nil && bound != .bd3lm {
      throw CommandError("--t-sampling applies to BD3-LM's block-wise times (--preset bd3lm)")
    }
    guard
      let nelbo = try bound.diffusionBound(
        model: session.model, maskID: session.specialTokens.mask, ignoresFirstToken: ignoreBos,
        timeSampling: tSampling ?? .perBlock)
    else { return }
    if let text {
      let size = window ?? session.contextLength ?? 128
      try checkLength(size, session: session, flag: "--window")
      var rng = SeededGenerator(seed: seed)
      try scoreText(
        text, session: session, window: size,
        scorer: try NELBOTextScorer(nelbo: nelbo, samples: mc, batch: batch), rng: &rng)
      return
    }
    guard let tokens else {
      throw CommandError(
        "--preset \(bound.rawValue) needs --tokens IDS or --text FILE (give one of them)")
    }
    let sequence = try parseTokenList(tokens, flag: "--tokens")
    try session.checkVocabulary(sequence)
    try checkLength(sequence.count, session: session, flag: "--tokens")
    var rng = SeededGenerator(seed: seed)
    var estimate: NELBOEstimate
    if tValues != nil || masks != nil {
      let flagTimes = try tValues.map {
        try NELBODrawInput.parseTimes($0, timesPerDraw: nelbo.timesPerDraw(length: sequence.count))
      }
      let file = try masks.map { try NELBODrawInput.readFile(path: $0) }
      let input = try NELBODrawInput.combining(flag: flagTimes, file: file, path: masks)
      let source = masks ?? "--t-values"
      let draws = try input.draws(
        bound: nelbo, length: sequence.count, rng: &rng, source: source)
      estimate = try nelbo.estimate(tokens: sequence, draws: draws, source: source)
      if input.masked == nil { estimate.seed = seed }  // the masks were drawn
    } else {
      estimate = try nelbo.estimate(
        tokens: sequence, samples: mc, batch: batch, rng: &rng, source: "--tokens")
      estimate.seed = seed
    }
    if json {
      let data = try JSONSerialization.data(
        withJSONObject: estimate.jsonObject, options: [.sortedKeys, .withoutEscapingSlashes])
      print(String(decoding: data, as: UTF8.self))
    } else {
      let numbers = String(
        format:
          "NELBO %.4f ± %.4f nats/token over %d tokens (%d counted): perplexity <= %.3f, "
          + "%.4f bits/token (%d draws, %d forward passes)",
        estimate.mean, estimate.stderr, estimate.tokens, estimate.countedTokens,
        estimate.perplexity, estimate.bitsPerToken, estimate.lossPerT.count,
        estimate.forwardPasses)
      print("\(bound.rawValue) \(numbers)")
    }
  }

  /// A sequence or window must fit the training length (`model_length`): BD3-LM's reference
  /// cannot run past it (its mask is cut from a 2 · model_length square) and MDLM's is trained
  /// on sequences of exactly that length.
  private func checkLength(_ length: Int, session: ModelSession, flag: String) throws {
    guard let context = session.contextLength, length > context else { return }
    throw CommandError(
      "\(flag): \(length) tokens exceed the model's model_length \(context), the longest sequence it was trained on"
    )
  }
}
