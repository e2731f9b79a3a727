import Foundation
import Testing
import Unmask
import UnmaskExperiments

@Suite struct SweepTests {
  let json = """
    {"model": "m", "task": "sudoku", "limit": 5, "settings": {"temperature": 0},
     "grid": {"seed": [0, 1], "strategy": ["confidence", "margin", "random"], "steps": [null, 9]}}
    """

  @Test func gridIsTheProductInAFixedOrder() throws {
    let spec = try SweepSpec.parse(Data(json.utf8), source: "s.json")
    let points = spec.points
    #expect(points.count == 12)
    #expect(points.map(\.index) == Array(0..<12))
    // strategy varies slowest, then steps, then seed (SweepSpec.gridKeys order).
    #expect(points[0].key == #"{"seed":0,"steps":null,"strategy":"confidence"}"#)
    #expect(points[1].key == #"{"seed":1,"steps":null,"strategy":"confidence"}"#)
    #expect(points[4].values["strategy"] == .string("margin"))
    #expect(Set(points.map(\.key)).count == 12)
  }

  @Test(arguments: [
    (#"{"model": "m", "task": "t", "grid": {}, "extra": 1}"#, "extra"),
    (
      #"{"model": "m", "task": "t", "grid": {"strategy": ["confidence"], "colour": [1]}}"#,
      "grid.colour"
    ),
    (#"{"model": "m", "task": "t", "grid": {"seed": []}}"#, "grid.seed"),
    (#"{"model": "m", "grid": {}}"#, "task"),
    (#"{"model": "m", "task": "t", "limit": 0, "grid": {}}"#, "limit"),
  ])
  func badFieldsAreNamed(text: String, field: String) {
    #expect {
      _ = try SweepSpec.parse(Data(text.utf8), source: "s.json")
    } throws: {
      ($0 as? ExperimentError)?.field == field && ($0 as? ExperimentError)?.source == "s.json"
    }
  }

  @Test func shardsPartitionThePoints() throws {
    let shards = try (0..<3).map { try SweepShard(index: $0, count: 3) }
    for point in 0..<10 { #expect(shards.filter { $0.contains(point) }.count == 1) }
    #expect(try SweepShard.parse("2/4") == SweepShard(index: 2, count: 4))
    #expect(throws: ExperimentError.self) { _ = try SweepShard.parse("4/4") }
    #expect(throws: ExperimentError.self) { _ = try SweepShard.parse("x") }
  }

  @Test func shardFromTheEnvironment() throws {
    let slurm = try SweepShard.resolve(
      flag: nil, shardCount: nil,
      environment: [
        "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
      ])
    #expect(slurm == (try SweepShard(index: 2, count: 4)))
    let k8s = try SweepShard.resolve(
      flag: nil, shardCount: 5, environment: ["JOB_COMPLETION_INDEX": "4"])
    #expect(k8s == (try SweepShard(index: 4, count: 5)))
    #expect(throws: ExperimentError.self) {
      _ = try SweepShard.resolve(
        flag: nil, shardCount: nil, environment: ["JOB_COMPLETION_INDEX": "1"])
    }
    let flag = try SweepShard.resolve(
      flag: "1/2", shardCount: nil, environment: ["SLURM_ARRAY_TASK_ID": "0"])
    #expect(flag == (try SweepShard(index: 1, count: 2)))
    #expect(try SweepShard.resolve(flag: nil, shardCount: nil, environment: [:]) == .all)
  }

  @Test func resumeDropsAPartialLineAndKnowsDoneKeys() throws {
    let path = try Samples.file("{\"key\": \"a\", \"index\": 0}\n{\"key\": \"b\", \"ind")
    let results = try SweepResults(path: path)
    #expect(results.keys == ["a"])
    try results.append(["key": "c", "index": 2])
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2 && lines[1].contains("\"c\""))
  }

  @Test func mergeOrdersByIndexAndKeepsOneLinePerKey() throws {
    let a = try Samples.file("{\"key\": \"p2\", \"index\": 2}\n{\"key\": \"p0\", \"index\": 0}\n")
    let b = try Samples.file("{\"key\": \"p1\", \"index\": 1}\n{\"key\": \"p0\", \"index\": 0}\n")
    let out = a + ".merged"
    #expect(try SweepResults.merge([a, b], into: out) == 3)
    let keys = try JSONLines.read(path: out).map { $0.object["key"] as? String }
    #expect(keys == ["p0", "p1", "p2"])
  }

  @Test func plotWritesAPNGAndATable() throws {
    let path = try Samples.file(
      """
      {"point": {"strategy": "confidence"}, "accuracy": 0.8, "ci95": [0.7, 0.9], "forward_passes_per_item": 46, "tokens_per_forward": 1, "n": 50}
      {"point": {"strategy": "random"}, "accuracy": 0.1, "ci95": [0.04, 0.2], "forward_passes_per_item": 46, "tokens_per_forward": 1, "n": 50}

      """)
    let rows = try SweepPlot.read(path: path)
    #expect(rows.map(\.series) == ["confidence", "random"])
    let table = SweepPlot.markdown(rows)
    #expect(table.contains("| strategy=confidence | 0.800 | [0.700, 0.900] | 46.0 | 1.00 | 50 |"))
    let image = SweepPlot.image(rows, title: "t")
    #expect(image.width == 720)
    let png = try PNGWriter.encode(image)
    #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
  }
}
