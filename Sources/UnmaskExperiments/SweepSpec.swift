import Foundation
import Unmask

/// A sweep file (JSON or YAML): a model, a task, and a grid of settings; every combination is a
/// point.
///
/// ```json
/// {"model": "sudoku-llada", "task": "sudoku", "limit": 100,
///  "settings": {"temperature": 0},
///  "grid": {"strategy": ["confidence", "margin", "random"], "steps": [null, 12]}}
/// ```
/// or the same in YAML (`ConfigDocument` turns it into the same JSON tree, which one validator
/// checks):
/// ```yaml
/// model: sudoku-llada
/// task: sudoku
/// limit: 100
/// settings: {temperature: 0}
/// grid:
///   strategy: [confidence, margin, random]
///   steps: [null, 12]
/// ```
/// Top-level keys: `model`, `task`, `data`, `limit`, `answer_regex`, `preset`, `settings`
/// (fixed overrides), `grid`. Grid keys (`gridKeys`): `strategy`, `schedule`, `length`,
/// `block_length`, `steps`, every strategy's and schedule's parameter (`threshold`,
/// `entropy_bound`, ...: the keys of `StrategyRegistry` and `ScheduleRegistry`), `temperature`,
/// `seed`, each a non-empty array; values are the same flat JSON the CLI flags and `run.json`
/// use. For Sudoku, `steps: null` means one cell per step. Any other key is an error naming the
/// file and the field.
public struct SweepSpec: Sendable {
  /// Model reference (a path or a catalog name).
  public var model: String
  /// Task name (`sudoku`, `jsonl`).
  public var task: String
  /// Data file (task default when nil).
  public var data: String?
  /// Items per point (all when nil).
  public var limit: Int?
  /// `--answer-regex` for the jsonl task.
  public var answerRegex: String?
  /// Preset to start from (the model's default when nil).
  public var preset: String?
  /// Fixed overrides applied to every point.
  public var settings: [String: JSONValue]
  /// Grid axes in file order of the allowed keys.
  public var grid: [(key: String, values: [JSONValue])]

  /// Keys allowed at the top level.
  public static let topKeys: Set<String> = [
    "model", "task", "data", "limit", "answer_regex", "preset", "settings", "grid",
  ]
  /// Keys allowed in `grid`, in the order points vary (the last varies fastest): the strategy,
  /// the schedule and the canvas's shape, then every registered strategy's and schedule's
  /// parameter in table order, then temperature and seed.
  public static var gridKeys: [String] {
    ["strategy", "schedule", "length", "block_length", "steps"] + StrategyRegistry.parameterKeys
      + ScheduleRegistry.parameterKeys + ["temperature", "seed"]
  }

  /// Parses a sweep file (JSON or YAML, see `ConfigDocument.Format`); errors name the file,
  /// the field and, for YAML, the line.
  public static func read(path: String) throws -> SweepSpec {
    try validate(ConfigDocument.read(path: path), source: path)
  }

  /// Parses a sweep file's bytes; `source` names it in errors and its extension picks the
  /// format.
  public static func parse(_ data: Data, source: String) throws -> SweepSpec {
    try validate(ConfigDocument.parse(data, source: source), source: source)
  }

  /// Checks a parsed sweep file, whichever syntax it came from; errors name `source`, the
  /// field and the field's line when the document knows it.
  public static func validate(_ document: ConfigDocument, source: String) throws -> SweepSpec {
    guard let root = document.root.objectValue else {
      throw ExperimentError(
        source: source, problem: "not a \(document.format == .yaml ? "mapping" : "JSON object")")
    }
    func fail(_ field: String, _ problem: String) -> ExperimentError {
      ExperimentError(
        source: source, line: document.line(of: field), field: field, problem: problem)
    }
    for key in root.keys.sorted() where !topKeys.contains(key) {
      throw fail(key, "unknown field; allowed: \(topKeys.sorted().joined(separator: ", "))")
    }
    guard let model = root["model"]?.stringValue else { throw fail("model", "missing string") }
    guard let task = root["task"]?.stringValue else { throw fail("task", "missing string") }
    var limit: Int?
    if let value = root["limit"], value != .null {
      guard let n = value.intValue, n >= 1 else { throw fail("limit", "expected an integer >= 1") }
      limit = n
    }
    let settings = root["settings"]?.objectValue ?? [:]
    if let value = root["settings"], value.objectValue == nil {
      throw fail("settings", "expected an object")
    }
    guard let gridObject = root["grid"]?.objectValue else { throw fail("grid", "missing object") }
    let gridKeys = Self.gridKeys
    for key in gridObject.keys.sorted() where !gridKeys.contains(key) {
      throw fail("grid.\(key)", "unknown field; allowed: \(gridKeys.joined(separator: ", "))")
    }
    var grid: [(String, [JSONValue])] = []
    for key in gridKeys {
      guard let value = gridObject[key] else { continue }
      guard let values = value.arrayValue, !values.isEmpty else {
        throw fail("grid.\(key)", "expected a non-empty array")
      }
      grid.append((key, values))
    }
    func optionalString(_ key: String) throws -> String? {
      guard let value = root[key], value != .null else { return nil }
      guard let s = value.stringValue else { throw fail(key, "expected a string") }
      return s
    }
    return SweepSpec(
      model: model, task: task, data: try optionalString("data"), limit: limit,
      answerRegex: try optionalString("answer_regex"), preset: try optionalString("preset"),
      settings: settings, grid: grid)
  }

  /// Every point, in a fixed order (the grid's last key varies fastest).
  public var points: [SweepPoint] {
    var result: [[String: JSONValue]] = [[:]]
    for (key, values) in grid {
      result = result.flatMap { partial in values.map { partial.merging([key: $0]) { $1 } } }
    }
    return result.enumerated().map { SweepPoint(index: $0.offset, values: $0.element) }
  }
}

/// One combination of grid values.
public struct SweepPoint: Sendable, Equatable {
  /// Position in `SweepSpec.points`.
  public var index: Int
  /// The grid values of this point.
  public var values: [String: JSONValue]

  /// A canonical key (sorted compact JSON), the identity used to resume and merge.
  public var key: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(values)) ?? Data(), as: UTF8.self)
  }
}
