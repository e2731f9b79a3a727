import Foundation
import Testing

/// `unmask generate` through the real executable: JSON report, presets, seeds, bad settings.
@Suite("unmask generate")
struct GenerateCommandTests {
  func generateJSON(_ extra: [String], model: String = "tiny-llada") throws -> [String: Any] {
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model(model), "--prompt", "The quick brown fox", "--json"] + extra)
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    return try #require(object as? [String: Any])
  }

  @Test func jsonReportCarriesTokensTextStepsTimingAndEverySetting() throws {
    let report = try generateJSON(["--length", "8", "--steps", "4"])
    let tokens = try #require(report["tokens"] as? [Int])
    #expect(tokens.count == 8)
    #expect(report["text"] is String)
    #expect(report["steps"] as? Int == 4)
    #expect(report["seconds"] is Double)
    let settings = try #require(report["settings"] as? [String: Any])
    for key in ["strategy", "schedule", "seed", "length", "steps", "block_length", "temperature", "mask_id"] {
      #expect(settings[key] != nil, "settings.\(key) missing")
    }
  }

  @Test func aSeedReproducesAStochasticRunExactly() throws {
    let flags = ["--length", "12", "--steps", "6", "--temperature", "1", "--strategy", "random", "--seed", "7"]
    let first = try generateJSON(flags)["tokens"] as? [Int]
    let second = try generateJSON(flags)["tokens"] as? [Int]
    let other = try generateJSON(flags.dropLast() + ["8"])["tokens"] as? [Int]
    #expect(first == second)
    #expect(first != other)
  }

  @Test func dreamPresetWithChatTemplateRuns() throws {
    let report = try generateJSON(["--preset", "dream", "--chat", "--length", "8", "--steps", "4"], model: "tiny-dream")
    let settings = try #require(report["settings"] as? [String: Any])
    #expect(settings["top_k"] as? Int == 50)
    #expect(settings["mask_id"] as? Int == 442)
  }

  @Test(arguments: [
    (["--length", "0"], "length"),
    (["--length", "8", "--steps", "0"], "steps"),
    (["--length", "10", "--block-length", "4"], "block"),
    (["--length", "16", "--steps", "6", "--block-length", "4"], "steps"),
    (["--strategy", "telepathy"], "telepathy"),
    (["--strategy", "threshold", "--threshold", "1.5"], "threshold"),
  ])
  func impossibleSettingsAreOneLineErrors(flags: [String], message: String) throws {
    let result = try UnmaskTool.run(["generate", "--model", Fixtures.model("tiny-llada"), "--prompt", "x"] + flags)
    #expect(result.status != 0)
    #expect(result.stderr.lowercased().contains(message), "\(result.stderr)")
    // The first line names the problem. An unknown choice is followed by argument-parser's list
    // of valid ones and a usage hint; every other error is that one line alone.
    let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.contains("--help") && !$0.isEmpty }
    #expect(lines.first?.lowercased().contains(message) == true, "\(result.stderr)")
    if !result.stderr.contains("Please provide one of the following") {
      #expect(lines.count == 1, "\(result.stderr)")
    }
  }
}
