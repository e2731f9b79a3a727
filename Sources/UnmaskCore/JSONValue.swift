import Foundation

/// A JSON document of unknown shape: tokenizer.json, config.json, checkpoint headers whose keys
/// are data (tensor names), and settings kept as JSON by modules that do not know their type (a
/// trace's run.json). The one JSON tree of the project; `parse` is a small dependency-free
/// parser.
///
/// Integers and floats are kept apart so that validators can insist on integers. Objects keep
/// their members in file order, keys compared byte for byte, so keys that are canonically
/// equivalent Swift strings ("é" and "e\u{301}") stay distinct vocabulary entries; `objectValue`
/// gives them as a dictionary when that does not matter.
///
/// Why not `JSONSerialization`: on Linux it builds `NSDictionary`s that are bridged back to
/// Swift on every cast, which made loading a 150k-token vocabulary take seconds.
public enum JSONValue: Codable, Equatable, Sendable {
  /// One object member.
  public typealias Member = (key: String, value: JSONValue)

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
  /// An object: its members in order (a repeated key appears as often as it was written).
  case object([Member])

  /// The error thrown for malformed input: what was wrong and the byte offset.
  public struct SyntaxError: Error, CustomStringConvertible {
    /// What was wrong.
    public let message: String
    /// The byte offset where it was found.
    public let offset: Int
    /// `message at byte offset`.
    public var description: String { "\(message) at byte \(offset)" }
  }

  /// An object from a dictionary (members sorted by key, so the order is reproducible).
  public init(object members: [String: JSONValue]) {
    self = .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
  }

  /// Decodes any JSON value (objects come sorted by key: `Decoder` does not keep the order).
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
      self.init(object: try container.decode([String: JSONValue].self))
    }
  }

  /// Encodes the value as the JSON type it holds (object members in order).
  public func encode(to encoder: Encoder) throws {
    switch self {
    case .object(let members):
      var container = encoder.container(keyedBy: MemberKey.self)
      for (key, value) in members { try container.encode(value, forKey: MemberKey(key)) }
    default:
      var container = encoder.singleValueContainer()
      switch self {
      case .null: try container.encodeNil()
      case .bool(let value): try container.encode(value)
      case .integer(let value): try container.encode(value)
      case .number(let value): try container.encode(value)
      case .string(let value): try container.encode(value)
      case .array(let value): try container.encode(value)
      case .object: break
      }
    }
  }

  /// Equal values of the same kind; objects member by member, in order.
  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.integer(let x), .integer(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count
        && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
    default: return false
    }
  }

  /// The JSON tree of any `Encodable` (e.g. the sampler's settings).
  public static func encoding(_ value: any Encodable) throws -> JSONValue {
    let data = try JSONEncoder().encode(EncodableBox(value))
    return try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// The member at `key` (the first, compared byte for byte) when this is an object holding
  /// one.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
  }

  /// Parses `data`, or returns nil if it is not JSON.
  public static func parse(_ data: Data) -> JSONValue? {
    try? data.withUnsafeBytes { try parse($0.bindMemory(to: UInt8.self)) }
  }

  /// Parses a complete JSON text.
  ///
  /// - Throws: `SyntaxError` with the byte offset.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
    var parser = Parser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.error("trailing characters") }
    return value
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
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a } else { return nil }
  }
  /// The members in order, if this is an object.
  public var members: [Member]? { if case .object(let o) = self { return o } else { return nil } }
  /// The members as a dictionary (a repeated key keeps its last value), if this is an object.
  public var objectValue: [String: JSONValue]? {
    guard case .object(let members) = self else { return nil }
    return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
  }
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

  private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: index) }

    mutating func skipWhitespace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return
        }
      }
    }

    mutating func expect(_ literal: StaticString, _ value: JSONValue) throws -> JSONValue {
      let n = literal.utf8CodeUnitCount
      guard index + n <= bytes.count else { throw error("unexpected end of input") }
      let p = literal.utf8Start
      for k in 0..<n where bytes[index + k] != p[k] { throw error("invalid literal") }
      index += n
      return value
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
      guard depth < 512 else { throw error("nesting too deep") }
      guard index < bytes.count else { throw error("unexpected end of input") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try parseObject(depth: depth)
      case UInt8(ascii: "["): return try parseArray(depth: depth)
      case UInt8(ascii: "\""): return .string(try parseString())
      case UInt8(ascii: "t"): return try expect("true", .bool(true))
      case UInt8(ascii: "f"): return try expect("false", .bool(false))
      case UInt8(ascii: "n"): return try expect("null", .null)
      default: return try parseNumber()
      }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
      index += 1
      var pairs: [JSONValue.Member] = []
      skipWhitespace()
      if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(pairs)
      }
      while true {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
          throw error("expected a string key")
        }
        let key = try parseString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
          throw error("expected ':'")
        }
        index += 1
        skipWhitespace()
        pairs.append((key, try parseValue(depth: depth + 1)))
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
        } else if bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(pairs)
        } else {
          throw error("expected ',' or '}'")
        }
      }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
      index += 1
      var items: [JSONValue] = []
      skipWhitespace()
      if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      while true {
        skipWhitespace()
        items.append(try parseValue(depth: depth + 1))
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
        } else if bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(items)
        } else {
          throw error("expected ',' or ']'")
        }
      }
    }

    /// An integer literal that fits `Int` becomes `.integer`; any other number `.number`.
    mutating func parseNumber() throws -> JSONValue {
      let start = index
      var integral = true
      while index < bytes.count && Self.isNumberByte(bytes[index]) {
        if bytes[index] == 0x2E || bytes[index] == 0x65 || bytes[index] == 0x45 { integral = false }
        index += 1
      }
      let text = String(
        decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
      if integral, let value = Int(text) { return .integer(value) }
      guard !text.isEmpty, let value = Double(text) else {
        index = start
        throw error("invalid value")
      }
      return .number(value)
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
      (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45
    }

    mutating func parseHex4() throws -> UInt32 {
      guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let b = bytes[index]
        let d: UInt32
        switch b {
        case 0x30...0x39: d = UInt32(b - 0x30)
        case 0x41...0x46: d = UInt32(b - 0x41 + 10)
        case 0x61...0x66: d = UInt32(b - 0x61 + 10)
        default: throw error("invalid \\u escape")
        }
        v = v << 4 | d
        index += 1
      }
      return v
    }

    mutating func parseString() throws -> String {
      index += 1  // opening quote
      let start = index
      // Fast path: no escapes.
      while index < bytes.count {
        let b = bytes[index]
        if b == UInt8(ascii: "\"") {
          let s = String(
            decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
          index += 1
          return s
        }
        if b == UInt8(ascii: "\\") { break }
        if b < 0x20 { throw error("control character in string") }
        index += 1
      }
      var out = Array(bytes[start..<index])
      while index < bytes.count {
        let b = bytes[index]
        if b == UInt8(ascii: "\"") {
          index += 1
          return String(decoding: out, as: UTF8.self)
        }
        if b < 0x20 { throw error("control character in string") }
        if b != UInt8(ascii: "\\") {
          out.append(b)
          index += 1
          continue
        }
        index += 1
        guard index < bytes.count else { break }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var code = try parseHex4()
          if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count,
            bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
          {
            let save = index
            index += 2
            let low = try parseHex4()
            if (0xDC00..<0xE000).contains(low) {
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
              index = save
            }
          }
          // Lone surrogates become U+FFFD, as Python's json and serde_json (lossy) do not
          // agree anyway; real tokenizer files do not contain them.
          let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
          out.append(contentsOf: String(Character(scalar)).utf8)
        default:
          throw error("invalid escape")
        }
      }
      throw error("unterminated string")
    }
  }
}

/// A coding key for any object member name.
private struct MemberKey: CodingKey {
  let stringValue: String
  var intValue: Int? { nil }
  init(_ key: String) { stringValue = key }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

/// Lets `JSONEncoder` encode an existential.
private struct EncodableBox: Encodable {
  let value: any Encodable
  init(_ value: any Encodable) { self.value = value }
  func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
