import Foundation
import Testing
import Unmask
import UnmaskExperiments

/// Sweep files in YAML: the same spec as their JSON twins, and errors that name file, line and
/// field.
@Suite struct SweepYAMLTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  let json = """
    {"model": "m", "task": "jsonl", "data": "d.jsonl", "limit": 5, "answer_regex": "#### (.*)",
     "preset": "quality", "settings": {"temperature": 0, "cache": "off", "threshold": 0.9},
     "grid": {"seed": [0, 1], "strategy": ["confidence", "margin"], "steps": [null, 9],
              "temperature": [0.5, 1e-3]}}
    """
  let yaml = """
    # comments are fine
    model: m
    task: jsonl
    data: d.jsonl
    limit: 5
    answer_regex: '#### (.*)'
    preset: quality
    settings:
      temperature: 0
      cache: off          # YAML 1.1 would make this false; the core schema keeps "off"
      threshold: 0.9
    grid:
      seed: [0, 1]
      strategy:
        - confidence
        - margin
      steps: [~, 9]
      temperature: [0.5, 1e-3]
    """

  @Test func yamlAndItsJSONTwinGiveEqualSpecsAndPoints() throws {
    let a = try SweepSpec.parse(Data(json.utf8), source: "s.json")
    let b = try SweepSpec.parse(Data(yaml.utf8), source: "s.yaml")
    #expect(a == b)
    #expect(a.points == b.points)
    #expect(a.points.map(\.key) == b.points.map(\.key))
    #expect(b.points.count == 16)
    #expect(b.settings["cache"] == .string("off"))
    #expect(b.settings["temperature"] == .integer(0))
    // A changed value is seen: the comparison can fail.
    let c = try SweepSpec.parse(
      Data(yaml.replacingOccurrences(of: "[0, 1]", with: "[0, 2]").utf8),
      source: "s.yml")
    #expect(a != c && a.points != c.points)
  }

  @Test func formatFromExtensionThenContent() throws {
    #expect(ConfigDocument.Format.of(path: "a.YML", data: Data("{}".utf8)) == .yaml)
    #expect(ConfigDocument.Format.of(path: "a.json", data: Data("a: 1".utf8)) == .json)
    #expect(ConfigDocument.Format.of(path: "sweep", data: Data("  \n{\"a\": 1}".utf8)) == .json)
    #expect(ConfigDocument.Format.of(path: "sweep", data: Data("a: 1".utf8)) == .yaml)
    let spec = try SweepSpec.parse(Data(yaml.utf8), source: "no-extension")
    #expect(spec.points.count == 16)
  }

  @Test func scalarsFollowTheJSONCoreSchema() throws {
    let document = try ConfigDocument.parseYAML(
      Data(
        """
        a: [yes, no, on, true, False, null, ~, '', 7, -3, +4, 2.5, 1e3, .inf, 0x10, 1:30, '8', !!str 9]
        b:
        """.utf8), source: "x.yaml")
    let a = try #require(document.root["a"]?.arrayValue)
    #expect(
      a == [
        .string("yes"), .string("no"), .string("on"), .bool(true), .bool(false), .null, .null,
        .string(""), .integer(7), .integer(-3), .integer(4), .number(2.5), .number(1000),
        .string(".inf"), .string("0x10"), .string("1:30"), .string("8"), .string("9"),
      ])
    #expect(document.root["b"] == .null)
    #expect(document.keyLines == ["a": 1, "b": 2])
  }

  @Test(arguments: [
    ("model: m\ntask: t\ngrid:\n  strategy: [confidence]\n  colour: [1]\n", "grid.colour", 5),
    ("model: m\ntask: t\nextra: 1\ngrid: {}\n", "extra", 3),
    ("model: m\ntask: t\nlimit: 0\ngrid: {}\n", "limit", 3),
    ("model: m\ntask: t\ngrid:\n  seed: []\n", "grid.seed", 4),
    ("model: m\ntask: t\nsettings: [1]\ngrid: {}\n", "settings", 3),
  ])
  func unknownOrWrongFieldsNameFileFieldAndLine(text: String, field: String, line: Int) {
    #expect {
      _ = try SweepSpec.parse(Data(text.utf8), source: "bad.yaml")
    } throws: { error in
      guard let error = error as? ExperimentError else { return false }
      return error.source == "bad.yaml" && error.field == field && error.line == line
        && error.description.hasPrefix("bad.yaml:\(line): field '\(field)': ")
    }
  }

  @Test(arguments: [
    ("model: m\ntask: t\ngrid:\n  strategy: [confidence\n  steps: [1]\n", 5),
    ("model: m\ntask: t\n  bad indent: 1\n", 3),
    ("model: m\nmodel: n\ntask: t\ngrid: {}\n", 1),
    ("model: m\ntask: \"open\ngrid: {}\n", 4),
  ])
  func malformedYAMLNamesFileAndLine(text: String, line: Int) {
    #expect {
      _ = try SweepSpec.parse(Data(text.utf8), source: "bad.yaml")
    } throws: { error in
      guard let error = error as? ExperimentError else { return false }
      print(error.description)
      return error.source == "bad.yaml" && error.line == line
        && !error.description.contains("\n")
    }
  }

  @Test func aliasesExpandButNotWithoutBound() throws {
    let small = try ConfigDocument.parseYAML(
      Data("a: &x [1, 2]\nb: *x\n".utf8), source: "alias.yaml")
    #expect(small.root["b"] == .array([.integer(1), .integer(2)]))
    // Nine levels of ten aliases each: 10^9 values if expanded.
    var text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in 1...9 {
      let refs = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
      text += "l\(level): &l\(level) [\(refs)]\n"
    }
    #expect {
      _ = try ConfigDocument.parseYAML(Data(text.utf8), source: "laughs.yaml")
    } throws: {
      ($0 as? ExperimentError)?.source == "laughs.yaml"
        && ($0 as? ExperimentError)?.problem.contains("more than") == true
    }
  }

  @Test func malformedJSONNamesTheLine() {
    #expect {
      _ = try SweepSpec.parse(Data("{\"model\": \"m\",\n \"task\": t}".utf8), source: "bad.json")
    } throws: { error in
      (error as? ExperimentError)?.line == 2 && (error as? ExperimentError)?.source == "bad.json"
    }
  }

  @Test func emptyOrScalarYAMLIsAnError() {
    for text in ["", "# only a comment\n", "just a string\n", "- a\n- b\n"] {
      #expect(throws: ExperimentError.self) {
        _ = try SweepSpec.parse(Data(text.utf8), source: "x.yaml")
      }
    }
  }

  @Test func shippedYAMLSweepEqualsItsJSONTwin() throws {
    let results = Self.repository.appendingPathComponent("docs/results")
    let json = try SweepSpec.read(path: results.appendingPathComponent("sudoku-sweep.json").path)
    let yaml = try SweepSpec.read(path: results.appendingPathComponent("sudoku-sweep.yaml").path)
    #expect(json == yaml)
    #expect(json.points == yaml.points)
  }
}
