import Foundation
import Testing

/// `unmask score` as a process: perplexity on pairs, `--text` (ELBO perplexity of a file) and
/// its bad inputs.
@Suite struct ScoreCommandLineTests {
  static let model = Fixtures.model("tiny-llada")
  static let sentence = "In the beginning God created the heaven and the earth."

  func json(_ result: UnmaskTool.Result) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
      "stdout: \(result.stdout) stderr: \(result.stderr)")
  }

  func textFile(_ text: String) throws -> String {
    let path = Fixtures.temporary("text.txt")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// The sentence's ids, from `unmask tokenize` (no special tokens, as --text encodes).
  func ids() throws -> [Int] {
    let r = try UnmaskTool.run(
      ["tokenize", "--model", Self.model, "--no-special-tokens"],
      stdin: "\"\(Self.sentence)\"\n")
    #expect(r.status == 0, "\(r.stderr)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [Int])
  }

  @Test func pairLinesCarryTokensAndPerplexity() throws {
    let r = try UnmaskTool.run([
      "score", "--model", Self.model, "--prompt-tokens", "5,6", "--answer-tokens", "7,8,9",
      "--mc", "16", "--batch", "4", "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try json(r)
    let loglik = try #require(object["loglik"] as? Double)
    #expect(object["tokens"] as? Int == 3)
    let perplexity = try #require(object["perplexity"] as? Double)
    #expect(abs(perplexity - exp(-loglik / 3)) <= 1e-12 * perplexity)
    let text = try UnmaskTool.run([
      "score", "--model", Self.model, "--prompt-tokens", "5,6", "--answer-tokens", "7,8,9",
      "--mc", "16", "--batch", "4",
    ])
    #expect(text.stdout.contains("perplexity") && text.stdout.contains("3 tokens"))
  }

  @Test func textIsScoredInWindowsAndAddsUp() throws {
    let ids = try ids()
    #expect(ids.count > 8, "the sentence must span several windows")
    let path = try textFile(Self.sentence)
    let r = try UnmaskTool.run([
      "score", "--model", Self.model, "--text", path, "--window", "4", "--mc", "8", "--batch",
      "4", "--seed", "3", "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try json(r)
    #expect(object["text"] as? String == path)
    #expect(object["tokens"] as? Int == ids.count)
    #expect(object["windows"] as? Int == (ids.count + 3) / 4)
    #expect(object["window"] as? Int == 4 && object["samples"] as? Int == 8)
    #expect(object["forward_passes"] as? Int == 8 * ((ids.count + 3) / 4))
    let loglik = try #require(object["loglik"] as? Double)
    let nll = try #require(object["nll_per_token"] as? Double)
    #expect(abs(nll + loglik / Double(ids.count)) < 1e-12)
    #expect(abs(try #require(object["perplexity"] as? Double) - exp(nll)) < 1e-9 * exp(nll))
    #expect((object["stderr"] as? Double).map { $0 > 0 } == true)
    #expect(r.stderr.contains("window \((ids.count + 3) / 4)/\((ids.count + 3) / 4)"))
  }

  @Test func oneWindowEqualsTheSameTokensScoredAsAnAnswerAfterAnEmptyPrompt() throws {
    let ids = try ids()
    let text = try UnmaskTool.run([
      "score", "--model", Self.model, "--text", try textFile(Self.sentence), "--window", "1000",
      "--mc", "8", "--batch", "4", "--seed", "5", "--json", "--quiet",
    ])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stderr.isEmpty)
    let pair = try UnmaskTool.run([
      "score", "--model", Self.model, "--prompt", "", "--answer-tokens",
      ids.map(String.init).joined(separator: ","), "--mc", "8", "--batch", "4", "--seed", "5",
      "--json",
    ])
    #expect(pair.status == 0, "\(pair.stderr)")
    let a = try json(text), b = try json(pair)
    #expect(a["windows"] as? Int == 1)
    #expect(a["loglik"] as? Double == b["loglik"] as? Double)
    #expect(a["perplexity"] as? Double == b["perplexity"] as? Double)
  }

  @Test func textBadInputIsOneLineNamingTheFileOrFlags() throws {
    let path = try textFile(Self.sentence)
    let both = try UnmaskTool.run([
      "score", "--model", Self.model, "--text", path, "--prompt", "a", "--data", "x.jsonl",
    ])
    #expect(both.status != 0)
    #expect(both.stderr.contains("--text") && both.stderr.contains("--prompt, --data"))

    let empty = try textFile("")
    let r = try UnmaskTool.run(["score", "--model", Self.model, "--text", empty])
    #expect(r.status != 0 && r.stderr.contains(empty) && r.stderr.contains("empty"))
    #expect(r.stderr.split(separator: "\n").count == 1)

    let missing = path + ".missing"
    let m = try UnmaskTool.run(["score", "--model", Self.model, "--text", missing])
    #expect(m.status != 0 && m.stderr.contains(missing))

    let window = try UnmaskTool.run([
      "score", "--model", Self.model, "--text", path, "--window", "0",
    ])
    #expect(window.status != 0 && window.stderr.contains("--window"))

    // A model folder without tokenizer.json: the error names the folder.
    let folder = Fixtures.temporary("no-tokenizer")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for name in ["config.json", "model.safetensors"] {
      try FileManager.default.copyItem(
        atPath: Self.model + "/" + name, toPath: folder + "/" + name)
    }
    let bare = try UnmaskTool.run(["score", "--model", folder, "--text", path])
    #expect(bare.status != 0)
    #expect(
      bare.stderr.contains(folder) && bare.stderr.contains("tokenizer.json"), "\(bare.stderr)")
  }
}
