import Foundation
import Testing

/// `unmask score --preset mdlm|bd3lm` as a process: the reference's losses at its own draws
/// (`--t-values`, `--masks`), the bound's own draws, `--text`, and one-line refusals.
@Suite struct NELBOCommandLineTests {
  static let golden = URL(fileURLWithPath: Fixtures.model("golden"))

  func json(_ result: UnmaskTool.Result) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
      "stdout: \(result.stdout) stderr: \(result.stderr)")
  }

  func goldenCase(_ file: String, variant: Int? = nil) throws -> [String: Any] {
    let object = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: Self.golden.appendingPathComponent(file))) as? [String: Any])
    let holder: [String: Any] =
      try variant.map { try #require((object["variants"] as? [[String: Any]])?[$0]) } ?? object
    return try #require((holder["cases"] as? [[String: Any]])?.first)
  }

  func ids(_ c: [String: Any]) -> String {
    (c["tokens"] as? [Int] ?? []).map(String.init).joined(separator: ",")
  }

  func file(_ text: String, name: String) throws -> String {
    let path = Fixtures.temporary(name)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func expectClose(_ ours: Any?, _ reference: Any?, _ label: String) {
    let a = ours as? [Double] ?? (ours as? Double).map { [$0] } ?? []
    let b = reference as? [Double] ?? (reference as? Double).map { [$0] } ?? []
    #expect(a.count == b.count && !a.isEmpty, "\(label)")
    for (x, y) in zip(a, b) {
      #expect(abs(x - y) <= 1e-5 * max(abs(y), 1e-12), "\(label): \(x) vs \(y)")
    }
  }

  /// MDLM: --t-values on the command line and --masks in a file, as the issue words it.
  @Test func mdlmAtTheReferenceDrawsGivesItsLosses() throws {
    let c = try goldenCase("nelbo-mdlm.json")
    let times = try #require(c["t_values"] as? [Double])
    let masks = try JSONSerialization.data(
      withJSONObject: ["t_values": times, "masked_positions": c["masked_positions"] as Any])
    let path = Fixtures.temporary("masks.json")
    try masks.write(to: URL(fileURLWithPath: path))
    let r = try UnmaskTool.run([
      "score", "--model", Fixtures.model("tiny-mdlm"), "--preset", "mdlm", "--tokens", ids(c),
      "--t-values", times.map { "\($0)" }.joined(separator: ","), "--masks", path, "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try json(r)
    expectClose(object["loss_per_t"], c["loss_per_t"], "loss_per_t")
    expectClose(object["mean"], c["mean"], "mean")
    #expect(object["bound"] as? String == "mdlm" && object["seed"] == nil)
    #expect(object["unit"] as? String == "nats per token")
    let settings = try #require(object["settings"] as? [String: Any])
    #expect(settings["schedule"] as? String == "log-linear")
    #expect(settings["t_range"] as? [Double] == [0.001, 1])
  }

  /// BD3-LM (no time conditioning would need an edited config; the fixture's own is
  /// time-conditioned): the file alone carries one t per block per draw.
  @Test func bd3lmAtTheReferenceDrawsGivesItsLosses() throws {
    let c = try goldenCase("nelbo-bd3lm.json", variant: 0)
    let masks = try JSONSerialization.data(
      withJSONObject: [
        "t_values": c["t_values"] as Any, "masked_positions": c["masked_positions"] as Any,
      ])
    let path = Fixtures.temporary("bd3lm-masks.json")
    try masks.write(to: URL(fileURLWithPath: path))
    let r = try UnmaskTool.run([
      "score", "--model", Fixtures.model("tiny-bd3lm"), "--tokens", ids(c), "--masks", path,
      "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try json(r)
    #expect(object["bound"] as? String == "bd3lm")  // the checkpoint's own, without --preset
    expectClose(object["loss_per_t"], c["loss_per_t"], "loss_per_t")
    expectClose(object["mean"], c["mean"], "mean")
    #expect(object["counted_tokens"] as? Int == c["counted_tokens"] as? Int)
    #expect((object["t_values"] as? [[Double]])?.first?.count == 8)
  }

  @Test func ownDrawsAreSeededAndRecorded() throws {
    func run(_ seed: Int) throws -> [String: Any] {
      let r = try UnmaskTool.run([
        "score", "--model", Fixtures.model("tiny-mdlm-notime"), "--tokens", "5,9,17,3,90,120",
        "--mc", "8", "--batch", "4", "--seed", "\(seed)", "--json",
      ])
      #expect(r.status == 0, "\(r.stderr)")
      return try json(r)
    }
    let a = try run(3), b = try run(3), c = try run(4)
    #expect(a["mean"] as? Double == b["mean"] as? Double)
    #expect(a["mean"] as? Double != c["mean"] as? Double)
    #expect(a["seed"] as? Int == 3 && a["samples"] as? Int == 8)
    #expect((a["t_values"] as? [Double])?.count == 8)
    let mean = try #require(a["mean"] as? Double)
    #expect(abs(try #require(a["perplexity"] as? Double) - exp(mean)) <= 1e-12 * exp(mean))
    let text = try UnmaskTool.run([
      "score", "--model", Fixtures.model("tiny-mdlm-notime"), "--tokens", "5,9,17,3,90,120",
      "--mc", "8", "--batch", "4",
    ])
    #expect(text.stdout.contains("mdlm NELBO") && text.stdout.contains("nats/token"))
    #expect(text.stdout.contains("perplexity <="))
  }

  /// `--text` with a DiT: windows of model_length by default, the papers' units.
  @Test func textIsScoredWithTheModelsOwnBound() throws {
    let folder = Fixtures.temporary("mdlm-with-tokenizer")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for name in ["config.json", "model.safetensors"] {
      try FileManager.default.copyItem(
        atPath: Fixtures.model("tiny-mdlm") + "/" + name, toPath: folder + "/" + name)
    }
    // Letters and space, one token each (ids 0...26, all below the mask 199).
    var vocab: [String: Int] = [" ": 26]
    for (i, letter) in "abcdefghijklmnopqrstuvwxyz".enumerated() { vocab[String(letter)] = i }
    try JSONSerialization.data(
      withJSONObject: ["model": ["type": "BPE", "vocab": vocab, "merges": [String]()]]
    ).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
    let sentence = String(
      repeating: "in the beginning god created the heaven and the earth ", count: 2)
    let text = try file(sentence, name: "text.txt")
    let r = try UnmaskTool.run([
      "score", "--model", folder, "--text", text, "--mc", "4", "--batch", "2", "--json", "--quiet",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try json(r)
    #expect(object["bound"] as? String == "mdlm" && object["window"] as? Int == 32)
    #expect(object["tokens"] as? Int == sentence.count)
    #expect(object["scored_tokens"] as? Int == sentence.count)
    #expect(object["windows"] as? Int == (sentence.count + 31) / 32)
    #expect(object["unit"] as? String == "nats per token")
    let nll = try #require(object["nll_per_token"] as? Double)
    #expect(abs(try #require(object["bits_per_token"] as? Double) - nll / log(2)) < 1e-12)
    // The tiny-llada tokenizer (400 tokens) names ids past the 200-row vocabulary: a text
    // that encodes to one of them is refused (a tokenizer alone is not: models/kjv-mdlm).
    try FileManager.default.removeItem(atPath: folder + "/tokenizer.json")
    try FileManager.default.copyItem(
      atPath: Fixtures.model("tiny-llada") + "/tokenizer.json",
      toPath: folder + "/tokenizer.json")
    let misfit = try UnmaskTool.run(["score", "--model", folder, "--text", text])
    #expect(
      misfit.status != 0 && misfit.stderr.contains("outside the vocabulary (ids 0..<200)"),
      "\(misfit.stderr)")
    #expect(misfit.stderr.split(separator: "\n").count == 1)
  }

  /// Flags (fixture names after --model, MASKS for a masks file) and what the error says.
  static let badInputs: [([String], String)] = [
    (["--model", "tiny-llada", "--preset", "mdlm", "--tokens", "5,6"], "use --preset llada"),
    (["--model", "tiny-mdlm", "--preset", "bd3lm", "--tokens", "5,6"], "use --preset mdlm"),
    (["--model", "tiny-mdlm", "--tokens", "5,6", "--schedule", "cosine"], "log-linear"),
    (["--model", "tiny-llada", "--tokens", "5,6", "--t-values", "0.5"], "--t-values"),
    (["--model", "tiny-mdlm", "--t-values", "0.5"], "--tokens"),
    (["--model", "tiny-mdlm", "--tokens", "5,6", "--t-values", "0.5,x"], "'x'"),
    (["--model", "tiny-mdlm", "--tokens", "5,6", "--t-values", "2"], "outside"),
    (["--model", "tiny-mdlm", "--tokens", "5,199", "--mc", "2", "--batch", "2"], "mask token"),
    (
      ["--model", "tiny-mdlm", "--tokens", "5,6", "--masks", "/nonexistent.json"],
      "/nonexistent.json"
    ),
    (["--model", "tiny-mdlm", "--tokens", "5,6", "--ignore-bos"], "--ignore-bos"),
    (["--model", "tiny-mdlm", "--tokens", "5,6", "--t-sampling", "reference"], "--t-sampling"),
    (["--model", "tiny-mdlm", "--prompt-tokens", "5", "--answer-tokens", "6"], "whole sequences"),
    (["--model", "tiny-bd3lm", "--tokens", "5", "--mc", "2", "--batch", "2"], "none is scored"),
    (["--model", "tiny-bd3lm", "--tokens", "5,6", "--masks", "MASKS"], "masks position 0"),
    (
      [
        "--model", "tiny-mdlm", "--tokens", Array(repeating: "5", count: 33).joined(separator: ","),
      ],
      "model_length 32"
    ),
    (
      ["--model", "tiny-mdlm", "--tokens", "5,6", "--t-values", "0.5", "--masks", "MASKS"],
      "disagree"
    ),
  ]

  @Test(arguments: badInputs)
  func badInputIsOneLine(arguments: [String], expected: String) throws {
    let masks = try file(#"{"t_values": [0.25], "masked_positions": [[0]]}"#, name: "m.json")
    let resolved = arguments.enumerated().map { i, a -> String in
      if i > 0 && arguments[i - 1] == "--model" { return Fixtures.model(a) }
      return a == "MASKS" ? masks : a
    }
    let r = try UnmaskTool.run(["score"] + resolved)
    #expect(r.status != 0, "\(arguments): \(r.stdout)")
    // The message is the first line (argument-parser adds its usage after flag errors).
    let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.contains(expected), "\(arguments): \(r.stderr)")
  }
}
