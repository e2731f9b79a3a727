import ArgumentParser
import Foundation
import Unmask
import UnmaskExperiments

/// `unmask score`: LLaDA's Monte-Carlo log-likelihood of an answer given a prompt, or the ELBO
/// perplexity of a text file (`--text`).
struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score",
    abstract: "Estimate log p(answer | prompt) as LLaDA's evaluation does (masked-diffusion ELBO).",
    discussion: """
      One pair (--prompt/--answer or --prompt-tokens/--answer-tokens), a JSONL file of \
      {"prompt", "answer"} pairs (--data), or multiple choice (--data with --choices: lines \
      {"prompt", "choices": [...], "answer": index}; the highest log-likelihood is the pick). \
      Each pair reports loglik, stderr, per-token values, tokens (the answer's length) and \
      perplexity = exp(-loglik / tokens).

      --text FILE scores a held-out text: its tokens (no special tokens added) are cut into \
      consecutive windows of --window tokens (the last may be shorter), each scored as an answer \
      after an empty prompt (as LLaDA scores text unconditionally), with one seeded generator \
      across the windows. It reports tokens, windows, loglik (the sum), stderr, nll_per_token \
      and perplexity = exp(nll_per_token).

      The estimate is the masked-diffusion ELBO, a lower bound on log p; so every perplexity \
      here is an upper bound on the model's true perplexity (up to Monte-Carlo error).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "Prompt text.") var prompt: String?
  @Option(help: "Answer text.") var answer: String?
  @Option(help: "Prompt as token ids, comma separated.") var promptTokens: String?
  @Option(help: "Answer as token ids, comma separated.") var answerTokens: String?
  @Option(help: "JSONL file of pairs (or of choices with --choices).") var data: String?
  @Flag(help: "--data holds multiple-choice items.") var choices = false
  @Option(help: "Text file to score window by window (ELBO perplexity).") var text: String?
  @Option(help: "Tokens per window with --text.") var window = 128
  @Option(help: "Monte-Carlo samples per estimate.") var mc = 128
  @Option(help: "Samples per stratified batch.") var batch = 16
  @Option(help: "Classifier-free guidance scale (0: off).") var cfgScale = 0.0
  @Option(help: "Seed of the sampling of masks.") var seed: UInt64 = 0
  @Flag(help: "Print JSON.") var json = false
  @Flag(help: "No progress on stderr (--text).") var quiet = false

  func validate() throws {
    if text != nil {
      let others =
        [
          ("--prompt", prompt), ("--answer", answer), ("--prompt-tokens", promptTokens),
          ("--answer-tokens", answerTokens), ("--data", data),
        ].filter { $0.1 != nil }.map(\.0) + (choices ? ["--choices"] : [])
      if !others.isEmpty {
        throw ValidationError(
          "--text scores a file on its own; drop \(others.joined(separator: ", "))")
      }
      guard window >= 1 else { throw ValidationError("--window must be >= 1, got \(window)") }
      return
    }
    let pairs = [prompt != nil || promptTokens != nil, answer != nil || answerTokens != nil]
    if data == nil && pairs != [true, true] {
      throw ValidationError("give --prompt and --answer (or their -tokens forms), or --data FILE")
    }
    if data != nil && pairs.contains(true) {
      throw ValidationError("--data replaces --prompt/--answer; give one or the other")
    }
    if choices && data == nil { throw ValidationError("--choices needs --data FILE") }
  }

  func run() throws {
    do { try score() } catch let error as ExperimentError {
      throw CommandError(error.description)
    }
  }

  private func score() throws {
    let session = try modelOptions.open()
    let tokenizer = session.tokenizer
    let estimator = try LikelihoodEstimator(
      model: session.model, maskID: session.specialTokens.mask, samples: mc, batch: batch,
      cfgScale: cfgScale)
    func encode(_ text: String?, tokens: String?, flag: String) throws -> [Int32] {
      if let tokens { return try parseTokenList(tokens, flag: flag + "-tokens") }
      guard let tokenizer else {
        throw CommandError("\(session.location.path): no tokenizer.json; use \(flag)-tokens")
      }
      return tokenizer.encode(text ?? "", addSpecialTokens: false)
    }
    var rng = SeededGenerator(seed: seed)
    if let text {
      try scoreText(text, session: session, estimator: estimator, rng: &rng)
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
        } ?? [(prompt, answer, promptTokens, answerTokens)]
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

  /// `--text FILE`: the file's ELBO perplexity, window by window.
  private func scoreText(
    _ path: String, session: ModelSession, estimator: LikelihoodEstimator,
    rng: inout SeededGenerator
  ) throws {
    guard let tokenizer = session.tokenizer else {
      throw CommandError(
        "\(session.location.path): no tokenizer.json, so --text cannot be tokenized")
    }
    let tokens = tokenizer.encode(try TextPerplexity.readText(path: path), addSpecialTokens: false)
    let result = try TextPerplexity.measure(
      tokens: tokens, source: path, window: window, estimator: estimator, rng: &rng,
      progress: { done, total in
        guard !quiet else { return }
        let line = "\rwindow \(done)/\(total)" + (done == total ? "\n" : "")
        FileHandle.standardError.write(Data(line.utf8))
      })
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(result), as: UTF8.self))
    } else {
      let numbers = String(
        format:
          "%d tokens in %d windows of %d: loglik %.4f ± %.4f, nll/token %.4f, perplexity %.3f "
          + "(ELBO: an upper bound; %d samples/window, %d forward passes)",
        result.tokens, result.windows, result.window, result.loglik, result.stderr,
        result.nllPerToken, result.perplexity, result.samples, result.forwardPasses)
      print("\(path): \(numbers)")
    }
  }
}
