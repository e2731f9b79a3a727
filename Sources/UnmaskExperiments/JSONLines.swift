import Foundation

/// Reads JSON Lines: one JSON object a line; blank lines are skipped.
///
/// Each object comes back with its 1-based line number so that a later check (a missing field,
/// a puzzle of the wrong length) can name the line, as every bad-input message here does.
public enum JSONLines {
  /// The objects of the file at `path`, with their line numbers.
  public static func read(path: String) throws -> [(line: Int, object: [String: Any])] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ExperimentError(source: path, problem: "cannot be read")
    }
    return try parse(data, source: path)
  }

  /// The objects of `data`, with their line numbers; `source` names it in errors.
  public static func parse(_ data: Data, source: String) throws -> [(
    line: Int, object: [String: Any]
  )] {
    var rows: [(line: Int, object: [String: Any])] = []
    let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (index, bytes) in lines.enumerated() {
      let text = String(decoding: bytes, as: UTF8.self)
      if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
      let parsed: Any
      do {
        parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
      } catch {
        throw ExperimentError(source: source, line: index + 1, problem: "not valid JSON")
      }
      guard let object = parsed as? [String: Any] else {
        throw ExperimentError(source: source, line: index + 1, problem: "not a JSON object")
      }
      rows.append((index + 1, object))
    }
    return rows
  }

  /// The string at `key`, or an error naming the line and field.
  public static func string(
    _ object: [String: Any], _ key: String, source: String, line: Int
  ) throws -> String {
    guard let value = object[key] else {
      throw ExperimentError(source: source, line: line, field: key, problem: "missing")
    }
    guard let text = value as? String else {
      throw ExperimentError(source: source, line: line, field: key, problem: "not a string")
    }
    return text
  }
}
