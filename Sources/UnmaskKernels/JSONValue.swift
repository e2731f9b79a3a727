import Foundation

/// A JSON document of unknown shape: checkpoint headers whose keys are data (tensor names), and
/// settings kept as JSON by modules that do not know their type (a trace's run.json).
///
/// Integers and floats are kept apart so that validators can insist on integers.
public enum JSONValue: Codable, Equatable, Sendable {
  /// JSON `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A number without fraction or exponent that fits `Int`.
  case integer(Int)
  /// Any other number.
  case number(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object.
  case object([String: JSONValue])

  /// Decodes any JSON value.
  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .integer(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  /// Encodes the value as the JSON type it holds.
  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .integer(let value): try container.encode(value)
    case .number(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// The JSON tree of any `Encodable` (e.g. the sampler's settings).
  public static func encoding(_ value: any Encodable) throws -> JSONValue {
    let data = try JSONEncoder().encode(EncodableBox(value))
    return try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// The member at `key` when this is an object holding one.
  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  /// Parses `data`, or returns nil if it is not JSON.
  public static func parse(_ data: Data) -> JSONValue? {
    try? JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// The string, if this is one.
  public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
  /// The boolean, if this is one.
  public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  /// The number as a `Double`, if this is an integer or a number.
  public var doubleValue: Double? {
    switch self {
    case .integer(let i): return Double(i)
    case .number(let d): return d
    default: return nil
    }
  }
  /// The integer, if this is one.
  public var intValue: Int? { if case .integer(let i) = self { return i } else { return nil } }
  /// The elements, if this is an array.
  public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
  /// The members, if this is an object.
  public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
  /// The integers, if this is an array of integers only.
  public var integerArray: [Int]? {
    guard let array = arrayValue else { return nil }
    var result: [Int] = []
    for element in array {
      guard let value = element.intValue else { return nil }
      result.append(value)
    }
    return result
  }
}

/// Lets `JSONEncoder` encode an existential.
private struct EncodableBox: Encodable {
  let value: any Encodable
  init(_ value: any Encodable) { self.value = value }
  func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
