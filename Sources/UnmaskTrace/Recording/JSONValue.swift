import Foundation

/// Any JSON value: how run.json keeps the sampler's settings without UnmaskTrace knowing their
/// type (the recorder encodes `any Encodable`, the reader gets this tree back).
public enum JSONValue: Codable, Equatable, Sendable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// Any number.
  case number(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object (keys sorted when written).
  case object([String: JSONValue])

  /// Decodes whichever JSON type is present.
  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
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
    case .number(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// The JSON tree of any `Encodable` (e.g. the sampler's `DenoisingSettings`).
  public static func encoding(_ value: any Encodable) throws -> JSONValue {
    let data = try JSONEncoder().encode(EncodableBox(value))
    return try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// The string at `key` when this is an object holding one.
  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }
}

/// Lets `JSONEncoder` encode an existential.
private struct EncodableBox: Encodable {
  let value: any Encodable
  init(_ value: any Encodable) { self.value = value }
  func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
