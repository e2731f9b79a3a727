import Foundation
import Unmask

/// A configuration file (a sweep file) read as one `JSONValue`, from JSON or YAML, so that one
/// validator checks both and a YAML file means exactly what its JSON twin means.
///
/// The format comes from the extension (`.json`; `.yaml`, `.yml`); any other name is JSON when
/// its first non-blank character is `{` or `[`, and YAML otherwise. YAML keeps the line of
/// every mapping key (`keyLines`), so a validator's error about a field can name its line too.
public struct ConfigDocument: Sendable {
  /// The two syntaxes a configuration file may use.
  public enum Format: String, Sendable {
    /// JSON (RFC 8259), read by `JSONValue.parse`.
    case json
    /// YAML 1.2, read by Yams with the JSON-compatible core schema (see `ConfigDocument+YAML`).
    case yaml

    /// The format of the file at `path` holding `data`: the extension, else the first byte.
    public static func of(path: String, data: Data) -> Format {
      switch URL(fileURLWithPath: path).pathExtension.lowercased() {
      case "json": return .json
      case "yaml", "yml": return .yaml
      default:
        let first = data.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .yaml
      }
    }
  }

  /// The document as a JSON tree (objects keep their keys in file order).
  public var root: JSONValue
  /// The syntax it was read from.
  public var format: Format
  /// 1-based line of each mapping key, by dotted path (`grid.seed`); empty for JSON, whose
  /// parser keeps no positions.
  public var keyLines: [String: Int]

  /// A document from its parts.
  public init(root: JSONValue, format: Format, keyLines: [String: Int] = [:]) {
    self.root = root
    self.format = format
    self.keyLines = keyLines
  }

  /// Reads the file at `path`; errors name it.
  public static func read(path: String) throws -> ConfigDocument {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ExperimentError(source: path, problem: "cannot be read")
    }
    return try parse(data, source: path)
  }

  /// Parses `data` in the format `source`'s name (or the content) says; syntax errors name
  /// `source` and the line.
  public static func parse(_ data: Data, source: String) throws -> ConfigDocument {
    switch Format.of(path: source, data: data) {
    case .json: return try parseJSON(data, source: source)
    case .yaml: return try parseYAML(data, source: source)
    }
  }

  /// Parses JSON; a syntax error names the line its byte offset falls on.
  public static func parseJSON(_ data: Data, source: String) throws -> ConfigDocument {
    do {
      let root = try data.withUnsafeBytes { try JSONValue.parse($0.bindMemory(to: UInt8.self)) }
      return ConfigDocument(root: root, format: .json)
    } catch let error as JSONValue.SyntaxError {
      let line = data.prefix(error.offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
      throw ExperimentError(source: source, line: line, problem: "not valid JSON: \(error.message)")
    }
  }

  /// The line of `field` (a dotted path), or of the nearest enclosing key that has one.
  public func line(of field: String) -> Int? {
    var path = Substring(field)
    while true {
      if let line = keyLines[String(path)] { return line }
      guard let dot = path.lastIndex(of: ".") else { return nil }
      path = path[..<dot]
    }
  }
}
