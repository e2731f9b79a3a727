import Foundation
import UnmaskCore

/// A parsed JSON value that remembers where it came from (file and dotted field path), so the
/// loaders can throw errors that name the field.
struct JSONNode {
  /// The value.
  let value: JSONValue
  /// The file name or source label, for errors.
  let file: String
  /// The dotted path of this value inside the file, for errors.
  let path: String

  /// Parses `data` as JSON; the top level may be any JSON value.
  static func parse(_ data: Data, file: String) throws -> JSONNode {
    do {
      let value = try data.withUnsafeBytes { raw in
        try JSONValue.parse(raw.bindMemory(to: UInt8.self))
      }
      return JSONNode(value: value, file: file, path: "")
    } catch {
      throw TokenizerError.malformedJSON(file: file, reason: "\(error)")
    }
  }

  private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// True for JSON `null`.
  var isNull: Bool {
    if case .null = value { return true }
    return false
  }

  /// The child under `key` (the first, if repeated), or nil when absent or null.
  subscript(key: String) -> JSONNode? {
    guard case .object(let pairs) = value else { return nil }
    for pair in pairs where pair.key.utf8.elementsEqual(key.utf8) {
      if case .null = pair.value { return nil }
      return JSONNode(value: pair.value, file: file, path: childPath(key))
    }
    return nil
  }

  /// The child under `key`; throws `missingField` when absent or null.
  func required(_ key: String) throws -> JSONNode {
    guard let child = self[key] else {
      throw TokenizerError.missingField(file: file, field: childPath(key))
    }
    return child
  }

  /// The error saying this node is not what was `expected`.
  func invalid(_ expected: String) -> TokenizerError {
    TokenizerError.invalidField(
      file: file, field: path.isEmpty ? "(top level)" : path, expected: expected)
  }

  /// This node's members in file order, as nodes.
  func members() throws -> [(key: String, node: JSONNode)] {
    guard case .object(let pairs) = value else { throw invalid("an object") }
    return pairs.map { ($0.key, JSONNode(value: $0.value, file: file, path: childPath($0.key))) }
  }

  /// This node's members without wrapping (for large objects such as a vocabulary).
  func rawMembers() throws -> [(key: String, value: JSONValue)] {
    guard case .object(let pairs) = value else { throw invalid("an object") }
    return pairs
  }

  /// This node's children as an array.
  func array() throws -> [JSONNode] {
    guard case .array(let items) = value else { throw invalid("an array") }
    return items.enumerated().map { JSONNode(value: $1, file: file, path: "\(path)[\($0)]") }
  }

  /// This node's items without wrapping (for large arrays such as merges).
  func rawArray() throws -> [JSONValue] {
    guard case .array(let items) = value else { throw invalid("an array") }
    return items
  }

  /// The node for item `index` of this array (built lazily, for errors).
  func item(_ index: Int, _ value: JSONValue) -> JSONNode {
    JSONNode(value: value, file: file, path: "\(path)[\(index)]")
  }

  /// The string value, or nil when this is not a string.
  var stringValue: String? {
    if case .string(let s) = value { return s }
    return nil
  }

  /// This node as a string.
  func string() throws -> String {
    guard let s = stringValue else { throw invalid("a string") }
    return s
  }

  /// This node as an integer (JSON numbers without a fraction).
  func int() throws -> Int {
    if case .integer(let i) = value { return i }
    if case .number(let d) = value, d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
    throw invalid("an integer")
  }

  /// This node as a Boolean.
  func bool() throws -> Bool {
    if case .bool(let b) = value { return b }
    throw invalid("true or false")
  }

  /// The string under `key`, or `defaultValue` when absent.
  func string(_ key: String, default defaultValue: String) throws -> String {
    try self[key]?.string() ?? defaultValue
  }

  /// The Boolean under `key`, or `defaultValue` when absent.
  func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
    try self[key]?.bool() ?? defaultValue
  }

  /// The `type` field of a stage object.
  func typeName() throws -> String { try required("type").string() }
}
