import UnmaskCore

/// Typed reads from a settings object (`[String: JSONValue]` with snake_case keys), each error
/// naming the key and what was expected: the one decoder behind `--json` files, traces'
/// `run.json`, command-line overrides, sweep points and server request bodies.
struct SettingsObject {
  /// The object being read.
  var values: [String: JSONValue]

  private func fail(_ key: String, _ expected: String, _ got: JSONValue) -> SamplingError {
    .invalidSetting(field: key, message: "expected \(expected), got \(Self.describe(got))")
  }

  /// A short rendering of a JSON value for error messages.
  static func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return "\(b)"
    case .integer(let i): return "\(i)"
    case .number(let d): return "\(d)"
    case .string(let s): return "\"\(s.prefix(40))\""
    case .array: return "an array"
    case .object: return "an object"
    }
  }

  /// The number at `key`, or nil when absent.
  func double(_ key: String) throws -> Double? {
    guard let v = values[key] else { return nil }
    guard let d = v.doubleValue else { throw fail(key, "a number", v) }
    return d
  }

  /// The integer at `key`, or nil when absent (a float with no fraction is accepted).
  func int(_ key: String) throws -> Int? {
    guard let v = values[key] else { return nil }
    if let i = v.intValue { return i }
    if case .number(let d) = v, d.rounded() == d, abs(d) < 9e15 { return Int(d) }
    throw fail(key, "an integer", v)
  }

  /// The non-negative integer at `key` as `UInt64` (seeds), or nil when absent.
  func uint64(_ key: String) throws -> UInt64? {
    guard let v = values[key] else { return nil }
    if case .integer(let i) = v, i >= 0 { return UInt64(i) }
    // Seeds above Int.max are written as strings by no one, but accept them as numbers too.
    if case .number(let d) = v, d >= 0, d.rounded() == d, d < 1.8e19 { return UInt64(d) }
    throw fail(key, "a non-negative integer", v)
  }

  /// The Boolean at `key`, or nil when absent.
  func bool(_ key: String) throws -> Bool? {
    guard let v = values[key] else { return nil }
    guard let b = v.boolValue else { throw fail(key, "true or false", v) }
    return b
  }

  /// A value at `key` that may be JSON `null`: `.some(nil)` for null, nil when absent.
  func optional<T>(_ key: String, _ read: (String) throws -> T?) throws -> T?? {
    guard let v = values[key] else { return nil }
    if case .null = v { return .some(nil) }
    return .some(try read(key))
  }

  /// The file path (a string) at `key`, or nil when absent.
  func path(_ key: String) throws -> String? {
    guard let v = values[key] else { return nil }
    guard let path = v.stringValue else { throw fail(key, "a file path", v) }
    return path
  }

  /// The list of integers at `key`, or nil when absent.
  func ints(_ key: String) throws -> [Int]? {
    guard let v = values[key] else { return nil }
    guard let list = v.integerArray else { throw fail(key, "a list of integers", v) }
    return list
  }

  /// The named choice at `key` (one of `T.allCases`), or nil when absent.
  func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ kind: String) throws -> T?
  where T.RawValue == String {
    guard let v = values[key] else { return nil }
    guard let s = v.stringValue else { throw fail(key, "a \(kind) name", v) }
    guard let choice = T(rawValue: s) else {
      throw SamplingError.unknownName(
        kind: kind, name: s, choices: T.allCases.map(\.rawValue))
    }
    return choice
  }

  /// The row of `table` named at `key` (`"strategy": "threshold"`), or nil when absent.
  func descriptor<D: PluginDescriptor>(_ key: String, in table: PluginTable<D>) throws -> D? {
    guard let v = values[key] else { return nil }
    guard let name = v.stringValue else { throw fail(key, "a \(table.kind) name", v) }
    guard let descriptor = table.descriptor(named: name) else {
      throw SamplingError.unknownName(kind: table.kind, name: name, choices: table.names)
    }
    return descriptor
  }
}
