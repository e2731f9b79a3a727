import Foundation
import Testing

/// `--cache` on the command line: recorded in the settings, composed with the presets, and
/// refused in one line where it cannot apply.
@Suite struct CacheCommandTests {
  func generateJSON(_ flags: [String], model: String) throws -> [String: Any] {
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model(model), "--prompt-tokens", "5,6,7,8", "--json"] + flags
    )
    #expect(result.status == 0, "\(result.stderr)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  }

  @Test(arguments: [
    (["--preset", "fast-dllm", "--cache", "dual"], "tiny-llada", "dual"),
    (
      ["--preset", "fast-dllm", "--cache", "prefix", "--strategy", "confidence"], "tiny-llada-gqa",
      "prefix"
    ),
    (["--preset", "llada", "--cache", "dual"], "tiny-llada", "dual"),
    (
      [
        "--preset", "dream", "--cache", "prefix", "--strategy", "dream-threshold", "--threshold",
        "0.5",
      ], "tiny-dream", "prefix"
    ),
    (["--preset", "dream", "--cache", "dual", "--strategy", "entropy"], "tiny-dream", "dual"),
  ])
  func cacheModeRunsAndIsRecorded(flags: [String], model: String, mode: String) throws {
    let report = try generateJSON(
      flags + ["--length", "16", "--block-length", "8", "--steps", "16"], model: model)
    #expect((report["tokens"] as? [Int])?.count == 16)
    let settings = try #require(report["settings"] as? [String: Any])
    #expect(settings["cache"] as? String == mode)
  }

  @Test func defaultIsNoCache() throws {
    let report = try generateJSON(["--length", "8", "--steps", "8"], model: "tiny-llada")
    #expect((report["settings"] as? [String: Any])?["cache"] as? String == "none")
  }

  @Test(arguments: [
    ["--cache", "dual", "--cfg-scale", "1"],
    ["--cache", "prefix", "--strategy", "remdm"],
    ["--cache", "sideways"],
  ])
  func impossibleCacheUseIsAOneLineError(flags: [String]) throws {
    let result = try UnmaskTool.run(
      [
        "generate", "--model", Fixtures.model("tiny-llada"), "--prompt-tokens", "5,6", "--length",
        "8",
      ]
        + flags)
    #expect(result.status != 0)
    #expect(result.stdout.isEmpty)
    let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.lowercased().contains("cache"), "\(result.stderr)")
  }
}
