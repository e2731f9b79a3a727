import ArgumentParser
import Foundation
import Unmask
import UnmaskExperiments

extension ScoreBound: ExpressibleByArgument {}
extension BD3LMBound.TimeSampling: ExpressibleByArgument {}

/// `unmask score`: a model's likelihood bound, as its paper's code computes it. LLaDA's
/// Monte-Carlo ELBO of an answer given a prompt or of a text file (`--text`); MDLM's and
/// BD3-LM's NELBO of a sequence (`--tokens`, optionally at given `--t-values` and `--masks`)
/// or of a text file (`ScoreCommand+NELBO.swift`).
struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score",
    abstract: "A likelihood bound: LLaDA's Monte-Carlo ELBO, or MDLM's / BD3-LM's NELBO.",
    discussion: """
      --preset picks the bound; by default a model gets its own: MDLM and BD3-LM checkpoints \
      their NELBO (mdlm, bd3lm), every other model LLaDA's ELBO (llada). A NELBO preset on \
      another family's checkpoint is an error.

      LLaDA's ELBO: one pair (--prompt/--answer or --prompt-tokens/--answer-tokens), a JSONL \
      file of {"prompt", "answer"} pairs (--data), or multiple choice (--data with --choices: \
      lines {"prompt", "choices": [...], "answer": index}; the highest log-likelihood is the \
      pick). Each pair reports loglik, stderr, per-token values, tokens (the answer's length) \
      and perplexity = exp(-loglik / tokens). --tokens scores a sequence after an empty prompt.

      MDLM / BD3-LM NELBO (--tokens IDS): loss_per_t, one per draw (the masked terms \
      -log p(x0_j | x_t) * w(t) summed over the sequence and divided by its length, as the \
      reference's _loss reduces them; BD3-LM divides by the length less position 0, which its \
      evaluation keeps clean: --no-ignore-bos counts it) and mean, in nats per token, with \
      perplexity = exp(mean). The draws are the bound's own (--mc of them in stratified groups \
      of --batch, from --seed), or given: --t-values T1,T2,... (BD3-LM: one t per block, draws \
      separated by ';') and/or --masks FILE ({"t_values": [...], "masked_positions": [[...], \
      ...]}, one list per t); when both give t values they must agree, and --t-values alone \
      draws the masks at those t. The schedule is log-linear, the one both papers train and \
      evaluate with; --schedule names another only to be refused.

      --text FILE scores a held-out text: its tokens (no special tokens added) are cut into \
      consecutive windows of --window tokens (the last may be shorter; default 128 for llada, \
      the model's model_length for the NELBOs), each scored unconditionally with one seeded \
      generator across the windows. It reports tokens, scored_tokens, windows, loglik (the \
      sum, nats), stderr, nll_per_token (nats per token), bits_per_token and perplexity = \
      exp(nll_per_token): the papers' units.

      Every bound here is a lower bound on log p (an upper bound on nats per token); so every \
      perplexity is an upper bound on the model's true perplexity (up to Monte-Carlo error).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(
    help: ArgumentHelp(
      "The bound: llada (LLaDA's Monte-Carlo ELBO, any model), mdlm (MDLM's continuous-time NELBO), bd3lm (BD3-LM's block-wise NELBO). Default: the model's own."
    ))
  var preset: ScoreBound?
  @Option(help: "Prompt text.") var prompt: String?
  @Option(help: "Answer text.") var answer: String?
  @Option(help: "Prompt as token ids, comma separated.") var promptTokens: String?
  @Option(help: "Answer as token ids, comma separated.") var answerTokens: String?
  @Option(help: "A whole sequence as token ids, comma separated, scored unconditionally.")
  var tokens: String?
  @Option(
    name: .customLong("t-values"),
    help:
      "NELBO: the diffusion times to evaluate at, comma separated (BD3-LM: one per block, draws separated by ';')."
  )
  var tValues: String?
  @Option(
    help:
      "NELBO: JSON file {\"t_values\": [...], \"masked_positions\": [[...], ...]}, one list per t.")
  var masks: String?
  @Option(help: "NELBO: the noise schedule; only log-linear (MDLM's and BD3-LM's).")
  var schedule: String?
  @Flag(
    inversion: .prefixedNo,
    help:
      "BD3-LM: keep position 0 clean and out of the count, as bd3lms' evaluation does (ignore_bos). Default: on."
  )
  var ignoreBos: Bool?
  @Option(
    help:
      "BD3-LM: how a group's times are stratified: per-block (each block over all strata; unbiased, the default) or reference (bd3lms' _sample_t)."
  )
  var tSampling: BD3LMBound.TimeSampling?
  @Option(help: "JSONL file of pairs (or of choices with --choices).") var data: String?
  @Flag(help: "--data holds multiple-choice items.") var choices = false
  @Option(help: "Text file to score window by window (a perplexity bound).") var text: String?
  @Option(help: "Tokens per window with --text (default 128; the NELBOs: model_length).")
  var window: Int?
  @Option(help: "Monte-Carlo samples (draws) per estimate.") var mc = 128
  @Option(help: "Samples per stratified batch.") var batch = 16
  @Option(help: "Classifier-free guidance scale (0: off; LLaDA's ELBO only).") var cfgScale = 0.0
  @Option(help: "Seed of the sampling of times and masks.") var seed: UInt64 = 0
  @Flag(help: "Print JSON.") var json = false
  @Flag(help: "No progress on stderr (--text).") var quiet = false

  func validate() throws {
    let pairFlags =
      [
        ("--prompt", prompt), ("--answer", answer), ("--prompt-tokens", promptTokens),
        ("--answer-tokens", answerTokens), ("--data", data),
      ].filter { $0.1 != nil }.map(\.0) + (choices ? ["--choices"] : [])
    if let window, window < 1 { throw ValidationError("--window must be >= 1, got \(window)") }
    if (tValues != nil || masks != nil) && tokens == nil {
      throw ValidationError("--t-values and --masks evaluate the bound of --tokens IDS; give it")
    }
    if text != nil || tokens != nil {
      let others = pairFlags + (text != nil && tokens != nil ? ["--tokens"] : [])
      if !others.isEmpty {
        throw ValidationError(
          "\(text != nil ? "--text" : "--tokens") scores a sequence on its own; drop \(others.joined(separator: ", "))"
        )
      }
      return
    }
    let pairs = [prompt != nil || promptTokens != nil, answer != nil || answerTokens != nil]
    if data == nil && pairs != [true, true] {
      throw ValidationError(
        "give --prompt and --answer (or their -tokens forms), --data FILE, --tokens IDS or --text FILE"
      )
    }
    if data != nil && pairs.contains(true) {
      throw ValidationError("--data replaces --prompt/--answer; give one or the other")
    }
    if choices && data == nil { throw ValidationError("--choices needs --data FILE") }
  }

  func run() throws {
    do {
      let session = try modelOptions.open()
      let bound = preset ?? ScoreBound.default(for: session.model)
      if bound == .llada {
        try checkLLaDAFlags()
        try score(session)
      } else {
        try scoreNELBO(session, bound: bound)
      }
    } catch let error as ExperimentError {
      throw CommandError(error.description)
    }
  }

  /// Refuses the NELBO-only flags under LLaDA's ELBO.
  private func checkLLaDAFlags() throws {
    let given = [
      ("--t-values", tValues != nil), ("--masks", masks != nil), ("--schedule", schedule != nil),
      ("--ignore-bos/--no-ignore-bos", ignoreBos != nil), ("--t-sampling", tSampling != nil),
    ].filter(\.1).map(\.0)
    if !given.isEmpty {
      throw CommandError(
        "\(given.joined(separator: ", ")) \(given.count == 1 ? "belongs" : "belong") to the NELBOs (--preset mdlm or bd3lm); LLaDA's ELBO draws l uniformly and has no schedule"
      )
    }
  }

  /// LLaDA's ELBO: pairs, choices, a sequence or a text.
  private func score(_ session: ModelSession) throws {
    let tokenizer = session.tokenizer
    let estimator = try LikelihoodEstimator(
      model: session.model, maskID: session.specialTokens.mask, samples: mc, batch: batch,
      cfgScale: cfgScale)
    func encode(_ text: String?, tokens: String?, flag: String) throws -> [Int32] {
      if tokens == "" { return [] }  // --tokens: the sequence after an empty prompt
      if let tokens { return try parseTokenList(tokens, flag: flag + "-tokens") }
      guard let tokenizer else {
        throw CommandError("\(session.location.path): no tokenizer.json; use \(flag)-tokens")
      }
      return tokenizer.encode(text ?? "", addSpecialTokens: false)
    }
    var rng = SeededGenerator(seed: seed)
    if let text {
      try scoreText(text, session: session, window: window ?? 128, scorer: estimator, rng: &rng)
      return
    }
    var lines: [[String: Any]] = []
    if let data, choices {
      var correct = 0
      let items = try ChoiceItem.readJSONL(path: data)
      for item in items {
        let p = try encode(item.prompt, tokens: nil, flag: "--prompt")
        let scores = try item.choices.map {
          try estimator.estimate(
            prompt: p, answer: try encode($0, tokens: nil, flag: "--answer"), rng: &rng
          ).loglik
        }
        let pick = scores.indices.max { scores[$0] < scores[$1] } ?? 0
        correct += pick == item.answer ? 1 : 0
        lines.append(["prompt": item.prompt, "scores": scores, "pick": pick, "answer": item.answer])
      }
      let ci = WilsonInterval(successes: correct, trials: items.count)
      lines.append([
        "accuracy": Double(correct) / Double(max(1, items.count)), "n": items.count,
        "ci95": ci.array,
      ])
    } else {
      let pairs: [(String?, String?, String?, String?)] =
        try data.map { path in
          try PromptAnswerTask.readJSONL(path: path).map { ($0.prompt, $0.answer, nil, nil) }
        } ?? [tokens.map { (nil, nil, "", $0) } ?? (prompt, answer, promptTokens, answerTokens)]
      if let tokens { _ = try parseTokenList(tokens, flag: "--tokens") }
      for (p, a, pt, at) in pairs {
        let e = try estimator.estimate(
          prompt: try encode(p, tokens: pt, flag: "--prompt"),
          answer: try encode(a, tokens: at, flag: "--answer"), rng: &rng)
        var line: [String: Any] = [
          "loglik": e.loglik, "stderr": e.stderr, "per_token": e.perToken,
          "samples": e.samples, "forward_passes": e.forwardPasses, "tokens": e.tokens,
          "perplexity": e.perplexity,
        ]
        if let p { line["prompt"] = p }
        if let a { line["answer"] = a }
        lines.append(line)
      }
    }
    for line in lines {
      if json {
        let data = try JSONSerialization.data(
          withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
      } else if let loglik = line["loglik"] as? Double, let stderr = line["stderr"] as? Double {
        print(
          String(
            format: "loglik %.4f ± %.4f (%d samples)  perplexity %.3f over %d tokens", loglik,
            stderr, mc / batch * batch, line["perplexity"] as? Double ?? .nan,
            line["tokens"] as? Int ?? 0))
      } else if let accuracy = line["accuracy"] as? Double {
        print(
          String(
            format: "multiple choice: accuracy %.3f over %d items", accuracy, line["n"] as? Int ?? 0
          ))
      }
    }
  }

  /// `--text FILE`: the file's perplexity bound, window by window.
  func scoreText(
    _ path: String, session: ModelSession, window: Int, scorer: some TextScorer,
    rng: inout SeededGenerator
  ) throws {
    guard let tokenizer = session.tokenizer else {
      throw CommandError(
        "\(session.location.path): no tokenizer.json, so --text cannot be tokenized")
    }
    let tokens = tokenizer.encode(try TextPerplexity.readText(path: path), addSpecialTokens: false)
    try session.checkVocabulary(tokens)
    var result = try TextPerplexity.measure(
      tokens: tokens, source: path, window: window, estimator: scorer, rng: &rng,
      progress: { done, total in
        guard !quiet else { return }
        let line = "\rwindow \(done)/\(total)" + (done == total ? "\n" : "")
        FileHandle.standardError.write(Data(line.utf8))
      })
    result.seed = seed
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(result), as: UTF8.self))
    } else {
      let numbers = String(
        format:
          "%d tokens (%d scored) in %d windows of %d: loglik %.4f ± %.4f, nll %.4f nats/token "
          + "(%.4f bits), perplexity <= %.3f (%d samples/window, %d forward passes)",
        result.tokens, result.scoredTokens, result.windows, result.window, result.loglik,
        result.stderr, result.nllPerToken, result.bitsPerToken, result.perplexity,
        result.samples, result.forwardPasses)
      print("\(path): \(result.bound.rawValue) bound: \(numbers)")
    }
  }
}
