import Foundation
import Testing
import UnmaskTestSupport

/// `unmask sweep`, `eval`, `score` and `models` as processes.
@Suite struct SweepCommandLineTests {
  static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/tiny-llada").path

  func folder() throws -> URL {
    let dir = try ScratchFolder.make("sweep")
    try
      "{\"prompt\":\"The license\",\"answer\":\"is\"}\n{\"prompt\":\"If the file\",\"answer\":\"x\"}\n"
      .write(to: dir.appendingPathComponent("data.jsonl"), atomically: true, encoding: .utf8)
    let sweep = """
      {"model": "\(Self.fixture)", "task": "jsonl", "data": "\(dir.path)/data.jsonl",
       "settings": {"length": 4, "block_length": 4, "steps": 4},
       "grid": {"strategy": ["confidence", "random"], "seed": [0, 1], "temperature": [0, 0.7]}}
      """
    try sweep.write(to: dir.appendingPathComponent("sweep.json"), atomically: true, encoding: .utf8)
    return dir
  }

  /// The lines of a results file without the timing fields, which differ run to run.
  func stable(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let kept = object.filter { !["seconds", "tokens_per_second"].contains($0.key) }
      let data = try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys])
      return String(decoding: data, as: UTF8.self)
    }
  }

  @Test func shardsInSeparateProcessesMergeToTheUnshardedRun() throws {
    let dir = try folder()
    let sweep = dir.appendingPathComponent("sweep.json").path
    func out(_ name: String) -> String { dir.appendingPathComponent(name).path }
    let whole = try UnmaskTool.run(["sweep", sweep, "--out", out("all.jsonl"), "--quiet"])
    #expect(whole.status == 0, "\(whole.stderr)")
    var shards: [String] = []
    for i in 0..<3 {
      let r = try UnmaskTool.run([
        "sweep", sweep, "--out", out("s\(i).jsonl"), "--shard", "\(i)/3", "--quiet",
      ])
      #expect(r.status == 0, "\(r.stderr)")
      shards.append(out("s\(i).jsonl"))
    }
    let merged = try UnmaskTool.run(["sweep", "merge"] + shards + ["--out", out("merged.jsonl")])
    #expect(merged.status == 0, "\(merged.stderr)")
    let all = try stable(out("all.jsonl"))
    #expect(all.count == 8)
    #expect(try stable(out("merged.jsonl")) == all)
    // Resume: a second run over a complete file adds nothing.
    _ = try UnmaskTool.run(["sweep", sweep, "--out", out("all.jsonl"), "--quiet"])
    #expect(try stable(out("all.jsonl")) == all)
  }

  @Test func yamlSweepRunsLikeItsJSONTwin() throws {
    let dir = try folder()
    let data = dir.appendingPathComponent("data.jsonl").path
    let yaml = """
      # The same sweep as twin.json, in YAML.
      model: \(Self.fixture)
      task: jsonl
      data: \(data)
      settings: {length: 4, block_length: 4, steps: 4}
      grid:
        strategy: [confidence, random]
        temperature: [0]
      """
    let json = """
      {"model": "\(Self.fixture)", "task": "jsonl", "data": "\(data)",
       "settings": {"length": 4, "block_length": 4, "steps": 4},
       "grid": {"strategy": ["confidence", "random"], "temperature": [0]}}
      """
    try yaml.write(to: dir.appendingPathComponent("twin.yaml"), atomically: true, encoding: .utf8)
    try json.write(to: dir.appendingPathComponent("twin.json"), atomically: true, encoding: .utf8)
    func out(_ name: String) -> String { dir.appendingPathComponent(name).path }
    let a = try UnmaskTool.run(["sweep", out("twin.yaml"), "--out", out("yaml.jsonl"), "--quiet"])
    #expect(a.status == 0, "\(a.stderr)")
    let b = try UnmaskTool.run(["sweep", out("twin.json"), "--out", out("json.jsonl"), "--quiet"])
    #expect(b.status == 0, "\(b.stderr)")
    let lines = try stable(out("yaml.jsonl"))
    #expect(lines.count == 2)
    #expect(lines == (try stable(out("json.jsonl"))))
  }

  @Test func badYAMLSweepIsOneLineNamingFileLineAndField() throws {
    let dir = try folder()
    let bad = dir.appendingPathComponent("bad.yaml").path
    try "model: m\ntask: jsonl\ngrid:\n  stratgy: [confidence]\n"
      .write(toFile: bad, atomically: true, encoding: .utf8)
    let r = try UnmaskTool.run(["sweep", bad, "--out", dir.appendingPathComponent("r.jsonl").path])
    #expect(r.status != 0)
    #expect(r.stderr.contains("bad.yaml:4: field 'grid.stratgy'"), "\(r.stderr)")
    #expect(r.stderr.split(separator: "\n").count == 1)
    let broken = dir.appendingPathComponent("broken.yml").path
    try "model: m\ntask: jsonl\ngrid: {strategy: [confidence}\n"
      .write(toFile: broken, atomically: true, encoding: .utf8)
    let s = try UnmaskTool.run([
      "sweep", broken, "--out", dir.appendingPathComponent("r.jsonl").path,
    ])
    #expect(s.status != 0)
    #expect(s.stderr.contains("broken.yml:3: not valid YAML"), "\(s.stderr)")
    #expect(s.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.jsonl").path))
  }

  @Test func unknownSweepFieldIsOneLineAndNoOutput() throws {
    let dir = try folder()
    let bad = dir.appendingPathComponent("bad.json").path
    try #"{"model": "m", "task": "jsonl", "grid": {"stratgy": ["confidence"]}}"#
      .write(toFile: bad, atomically: true, encoding: .utf8)
    let r = try UnmaskTool.run(["sweep", bad, "--out", dir.appendingPathComponent("r.jsonl").path])
    #expect(r.status != 0)
    #expect(r.stderr.contains("field 'grid.stratgy'") && r.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.jsonl").path))
  }

  @Test func evalBadInputNamesFileLineAndField() throws {
    let dir = try folder()
    let data = dir.appendingPathComponent("bad.jsonl").path
    try "{\"prompt\": \"a\", \"answer\": \"b\"}\n{\"prompt\": \"a\"}\n"
      .write(toFile: data, atomically: true, encoding: .utf8)
    let r = try UnmaskTool.run(["eval", "--model", Self.fixture, "--task", "jsonl", "--data", data])
    #expect(r.status != 0)
    #expect(r.stderr.contains("bad.jsonl:2: field 'answer': missing"))
    let unknown = try UnmaskTool.run(["eval", "--model", Self.fixture, "--task", "chess"])
    #expect(unknown.status != 0 && unknown.stderr.contains("chess"))
  }

  @Test func evalJSONReportsTheNumbers() throws {
    let dir = try folder()
    let r = try UnmaskTool.run([
      "eval", "--model", Self.fixture, "--task", "jsonl", "--data",
      dir.appendingPathComponent("data.jsonl").path, "--length", "4", "--steps", "4", "--json",
      "--quiet", "--out", dir.appendingPathComponent("items.jsonl").path,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    for key in [
      "accuracy", "n", "ci95", "forward_passes", "forward_passes_per_item",
      "tokens_per_forward", "seconds", "tokens_per_second", "settings",
    ] {
      #expect(object?[key] != nil, "missing \(key)")
    }
    #expect(object?["n"] as? Int == 2 && object?["forward_passes"] as? Int == 8)
    let items = try String(
      contentsOfFile: dir.appendingPathComponent("items.jsonl").path, encoding: .utf8)
    #expect(items.split(separator: "\n").count == 2)
  }

  @Test func scoreReportsLoglikAndStderr() throws {
    let r = try UnmaskTool.run([
      "score", "--model", Self.fixture, "--prompt-tokens", "5,6", "--answer-tokens", "7,8",
      "--mc", "16", "--batch", "4", "--json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    #expect((object?["loglik"] as? Double).map { $0 < 0 } == true)
    #expect((object?["per_token"] as? [Double])?.count == 2)
    #expect(object?["stderr"] is Double)
  }
}
