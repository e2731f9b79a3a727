import Foundation
import Testing
import Unmask
import UnmaskTrace

/// Issue 16 through the real executable: masks in the prompt, a suffix, the EOS flags, the new
/// strategies' flags and their one-line errors.
@Suite("unmask generate: infilling, EOS flags, new strategies")
struct InfillCommandTests {
  func generateJSON(_ flags: [String]) throws -> [String: Any] {
    let result = try UnmaskTool.run(
      [
        "generate", "--model", Fixtures.model("tiny-llada"), "--json", "--length", "8", "--steps",
        "8",
      ]
        + flags)
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    return try #require(object as? [String: Any])
  }

  @Test func maskMarkupAndSuffixAreFilledAndKept() throws {
    let report = try generateJSON(["--prompt", "The cat <|mask:3|> on the", "--suffix", " mat."])
    let settings = try #require(report["settings"] as? [String: Any])
    let mask = try #require(settings["mask_id"] as? Int)
    let prompt = try #require(report["prompt_tokens"] as? [Int])
    let suffix = try #require(report["suffix_tokens"] as? [Int])
    let canvas = try #require(report["canvas"] as? [Int])
    #expect(prompt.filter { $0 == mask }.count == 3)
    #expect(!suffix.isEmpty)
    #expect(canvas.count == prompt.count + 8 + suffix.count)
    #expect(!canvas.contains(mask))
    for (i, token) in prompt.enumerated() where token != mask { #expect(canvas[i] == token) }
    #expect(Array(canvas.suffix(suffix.count)) == suffix)
    #expect((report["tokens"] as? [Int]) == Array(canvas[prompt.count..<(prompt.count + 8)]))
  }

  @Test func promptTokensMayHoldTheMaskID() throws {
    let settings = try #require(try generateJSON(["--prompt", "x"])["settings"] as? [String: Any])
    let mask = try #require(settings["mask_id"] as? Int)
    let report = try generateJSON(["--prompt-tokens", "51,\(mask),269,\(mask)"])
    let canvas = try #require(report["canvas"] as? [Int])
    #expect(canvas[0] == 51 && canvas[2] == 269)
    #expect(!canvas.contains(mask))
  }

  @Test func eosFillIsReported() throws {
    let report = try generateJSON(["--prompt", "Once upon a time", "--eos-fill", "--stop-at-eos"])
    #expect(report["forward_passes_saved"] is Int)
    #expect(report["eos_filled"] is Int)
  }

  @Test(arguments: ["pc-sampler", "klass", "dus", "token-editing", "wino"])
  func newStrategiesRun(strategy: String) throws {
    let report = try generateJSON(["--prompt", "Once upon a time", "--strategy", strategy])
    #expect((report["tokens"] as? [Int])?.count == 8)
    let settings = try #require(report["settings"] as? [String: Any])
    #expect(settings["strategy"] as? String == strategy)
  }

  static let longSuffix = Array(repeating: "5", count: 4090).joined(separator: ",")
  static let badInputs: [([String], String)] = [
    (
      ["--prompt", "x <|mask:0|>"],
      "--prompt: <|mask:0|> asks for 0 masks; the count must be in 1...4096"
    ),
    (["--prompt", "x <|mask:5000|>"], "--prompt: <|mask:5000|>"),
    (["--prompt", "x", "--suffix-tokens", longSuffix], "--suffix: 4090 tokens do not fit"),
    (["--prompt", "x", "--min-length", "9"], "--min-length: must be in 0...8"),
    (
      ["--prompt", "x", "--strategy", "klass", "--klass-confidence", "1"],
      "--klass-confidence: must be in [0, 1)"
    ),
    (
      ["--prompt", "x", "--strategy", "pc-sampler", "--pc-alpha", "0"],
      "--pc-alpha: must be in (0, inf)"
    ),
    (["--prompt", "x", "--strategy", "dus", "--dus-base", "1"], "--dus-base: must be in 2...64"),
    (
      ["--prompt", "x", "--strategy", "token-editing", "--editing-threshold", "2"],
      "--editing-threshold: must be in [0, 1]"
    ),
    (
      ["--prompt", "x", "--strategy", "wino", "--verify-threshold", "0"],
      "--verify-threshold: must be in (0, 1]"
    ),
    (
      ["--prompt", "x", "--strategy", "pc-sampler", "--pc-background", "/nonexistent.json"],
      "pc-background"
    ),
  ]

  @Test(arguments: badInputs)
  func badInputIsOneLine(flags: [String], message: String) throws {
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model("tiny-llada"), "--length", "8", "--steps", "8"] + flags
    )
    #expect(result.status != 0)
    let lines = result.stderr.split(separator: "\n").filter {
      !$0.hasPrefix("Usage") && !$0.contains("--help") && !$0.isEmpty
    }
    #expect(lines.count == 1, "\(result.stderr)")
    #expect(lines.first?.contains(message) == true, "\(result.stderr)")
  }
}

/// Traces of an infilling run mark the prompt's masks as masked until committed and the
/// suffix as fixed, so the figures show infilled positions like any other.
@Test func infillTraceMarksPromptMasksAndFixedSuffix() throws {
  let folder = Fixtures.temporary("infill-trace")
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let result = try UnmaskTool.run([
    "generate", "--model", Fixtures.model("tiny-llada"), "--prompt", "The cat <|mask:3|> on the",
    "--suffix", " mat.", "--length", "8", "--steps", "8", "--quiet", "--trace", folder,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let trace = try TraceReader.load(URL(fileURLWithPath: folder))
  let prompt = trace.run.promptIds
  let maskPositions = prompt.indices.filter { trace.state[0, $0] != CellState.prompt }
  #expect(maskPositions.count == 3)
  let last = trace.stepCount - 1
  for position in maskPositions { #expect(trace.state[last, position] >= 0) }
  // Suffix positions (after the 8 generated) stay fixed throughout.
  for position in (prompt.count + 8)..<trace.positionCount {
    #expect(trace.state[0, position] == CellState.prompt)
    #expect(trace.state[last, position] == CellState.prompt)
  }
  #expect(FileManager.default.fileExists(atPath: folder + "/order.png"))
}
