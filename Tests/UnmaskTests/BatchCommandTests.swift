import Foundation
import Testing

/// `generate --prompts FILE.jsonl --batch N`: one JSON line per prompt, each equal to that
/// prompt run alone; bad input is one line naming the flag or the file and line.
@Suite struct BatchCommandTests {
  func write(_ text: String) throws -> String {
    let path = Fixtures.temporary("prompts.jsonl")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  let common = ["--length", "8", "--steps", "8", "--block-length", "4"]

  @Test func eachLineEqualsThatPromptAlone() throws {
    let file = try write(
      """
      {"prompt": "The quick brown fox", "id": "first"}

      {"prompt_tokens": [5, 6, 7]}
      {"prompt": "Hello"}
      """)
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model("tiny-llada"), "--prompts", file, "--batch", "2"]
        + common)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 3)
    let objects = try lines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(objects[0]["id"] as? String == "first")
    #expect(objects.map { $0["index"] as? Int } == [0, 1, 2])
    let alone = ["--prompt", "The quick brown fox"]
    for (object, flags) in zip(
      objects, [alone, ["--prompt-tokens", "5,6,7"], ["--prompt", "Hello"]])
    {
      let single = try UnmaskTool.run(
        ["generate", "--model", Fixtures.model("tiny-llada"), "--json"] + flags + common)
      let report = try #require(
        JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? [String: Any])
      #expect(object["tokens"] as? [Int] == report["tokens"] as? [Int], "\(flags)")
    }
  }

  @Test(arguments: [
    ("{\"prompt\": 3}\n", "prompts.jsonl:1"),
    ("{\"prompt\": \"a\"}\nnot json\n", "prompts.jsonl:2"),
    ("{\"prompt_tokens\": [1, \"x\"]}\n", "prompts.jsonl:1"),
    ("{\"prompt\": \"a\", \"prompt_tokens\": [1]}\n", "prompts.jsonl:1"),
    ("\n\n", "no prompts"),
    ("", "no prompts"),
  ])
  func badFilesAreOneLineErrorsNamingFileAndLine(text: String, message: String) throws {
    let file = try write(text)
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model("tiny-llada"), "--prompts", file] + common)
    #expect(result.status != 0)
    #expect(result.stdout.isEmpty)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].contains(message), "\(result.stderr)")
  }

  @Test func batchZeroIsRefused() throws {
    let file = try write("{\"prompt\": \"a\"}\n")
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model("tiny-llada"), "--prompts", file, "--batch", "0"])
    #expect(result.status != 0)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr.split(separator: "\n").first?.contains("--batch") == true, "\(result.stderr)")
  }
}

/// `--prompts FILE --batch N --trace DIR`: every prompt's steps in its own trace folder, named by
/// its line number, each the trace of that prompt run alone.
@Suite struct BatchTraceCommandTests {
  @Test func eachPromptGetsItsOwnTraceFolder() throws {
    let file = Fixtures.temporary("traced-prompts.jsonl")
    try "{\"prompt_tokens\": [5, 6, 7]}\n\n{\"prompt\": \"Hello\"}\n".write(
      toFile: file, atomically: true, encoding: .utf8)
    let folder = Fixtures.temporary("batch-traces")
    try? FileManager.default.removeItem(atPath: folder)
    let common = ["--length", "8", "--steps", "8", "--block-length", "4"]
    let result = try UnmaskTool.run(
      [
        "generate", "--model", Fixtures.model("tiny-llada"), "--prompts", file, "--batch", "2",
        "--trace", folder,
      ] + common)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 2)
    for (line, number) in zip(lines, [1, 3]) {
      let object = try #require(
        JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let trace = "\(folder)/\(number)"
      #expect(object["trace"] as? String == trace)
      let run = try #require(
        JSONSerialization.jsonObject(
          with: Data(contentsOf: URL(fileURLWithPath: "\(trace)/run.json"))) as? [String: Any])
      #expect(run["prompt_ids"] as? [Int] == object["prompt_tokens"] as? [Int])
      #expect(FileManager.default.fileExists(atPath: "\(trace)/heatmap.png"))
      // The steps recorded are those of the prompt run alone.
      let alone = Fixtures.temporary("alone-trace-\(number)")
      try? FileManager.default.removeItem(atPath: alone)
      let flags = number == 1 ? ["--prompt-tokens", "5,6,7"] : ["--prompt", "Hello"]
      let single = try UnmaskTool.run(
        ["generate", "--model", Fixtures.model("tiny-llada"), "--json", "--trace", alone] + flags
          + common)
      #expect(single.status == 0, "\(single.stderr)")
      let steps = try String(contentsOfFile: "\(trace)/trace.jsonl", encoding: .utf8)
      let aloneSteps = try String(contentsOfFile: "\(alone)/trace.jsonl", encoding: .utf8)
      #expect(Self.withoutTimes(steps) == Self.withoutTimes(aloneSteps))
    }
  }

  /// Step lines without their timings (which differ from run to run), keys sorted.
  static func withoutTimes(_ jsonl: String) -> [String] {
    jsonl.split(separator: "\n").compactMap { line in
      guard
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let data = try? JSONSerialization.data(
          withJSONObject: object.filter { !$0.key.contains("second") }, options: [.sortedKeys])
      else { return nil }
      return String(decoding: data, as: UTF8.self)
    }
  }
}
