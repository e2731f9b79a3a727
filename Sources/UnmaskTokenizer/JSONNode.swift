import Foundation

/// A parsed JSON value that remembers where it came from (file and dotted field path), so the
/// loaders can throw errors that name the field. Built on `JSONSerialization`, which keeps the
/// module free of dependencies and copes with the heterogeneous shapes of tokenizer.json.
struct JSONNode {
  /// The underlying Foundation object (`NSDictionary`, `NSArray`, `NSString`, `NSNumber`, `NSNull`).
  let value: Any
  /// The file name or source label, for errors.
  let file: String
  /// The dotted path of this value inside the file, for errors.
  let path: String

  /// Parses `data` as JSON; the top level may be any JSON value.
  static func parse(_ data: Data, file: String) throws -> JSONNode {
    do {
      let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
      return JSONNode(value: object, file: file, path: "")
    } catch {
      throw TokenizerError.malformedJSON(file: file, reason: error.localizedDescription)
    }
  }

  private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// True for JSON `null`.
  var isNull: Bool { value is NSNull }

  /// The child under `key`, or nil when absent or null.
  subscript(key: String) -> JSONNode? {
    guard let dict = value as? [String: Any], let child = dict[key], !(child is NSNull) else {
      return nil
    }
    return JSONNode(value: child, file: file, path: childPath(key))
  }

  /// The child under `key`; throws `missingField` when absent or null.
  func required(_ key: String) throws -> JSONNode {
    guard let child = self[key] else {
      throw TokenizerError.missingField(file: file, field: childPath(key))
    }
    return child
  }

  /// Throws `invalidField` for this node.
  func invalid(_ expected: String) -> TokenizerError {
    TokenizerError.invalidField(
      file: file, field: path.isEmpty ? "(top level)" : path, expected: expected)
  }

  /// This node as an object.
  func object() throws -> [String: Any] {
    guard let dict = value as? [String: Any] else { throw invalid("an object") }
    return dict
  }

  /// This node's children as an array.
  func array() throws -> [JSONNode] {
    guard let items = value as? [Any] else { throw invalid("an array") }
    return items.enumerated().map { JSONNode(value: $1, file: file, path: "\(path)[\($0)]") }
  }

  /// This node as a string.
  func string() throws -> String {
    guard let s = value as? String else { throw invalid("a string") }
    return s
  }

  /// This node as an integer (JSON numbers without a fraction).
  func int() throws -> Int {
    if let n = value as? NSNumber {
      let d = n.doubleValue
      if d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
    }
    throw invalid("an integer")
  }

  /// This node as a Boolean.
  func bool() throws -> Bool {
    if let b = value as? Bool { return b }
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
