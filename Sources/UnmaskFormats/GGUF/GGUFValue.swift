/// One GGUF metadata value: the thirteen `gguf_type`s, arrays (of any of them, nested) included.
public enum GGUFValue: Sendable, Equatable {
  /// `UINT8` … `UINT64` (type codes 0, 2, 4, 10), widened.
  case unsigned(UInt64, bits: Int)
  /// `INT8` … `INT64` (codes 1, 3, 5, 11), widened.
  case signed(Int64, bits: Int)
  /// `FLOAT32` (code 6).
  case float32(Float)
  /// `FLOAT64` (code 12).
  case float64(Double)
  /// `BOOL` (code 7): one byte, 0 or 1.
  case bool(Bool)
  /// `STRING` (code 8): u64 length, UTF-8 bytes (invalid sequences repaired).
  case string(String)
  /// `ARRAY` (code 9): element type, u64 count, elements.
  case array([GGUFValue])

  /// The value as an `Int`, if it is an integer that fits.
  public var intValue: Int? {
    switch self {
    case .unsigned(let v, _): return v <= UInt64(Int.max) ? Int(v) : nil
    case .signed(let v, _): return Int(exactly: v)
    default: return nil
    }
  }

  /// The value as a `Double`, if it is a number.
  public var doubleValue: Double? {
    switch self {
    case .float32(let v): return Double(v)
    case .float64(let v): return v
    default: return intValue.map(Double.init)
    }
  }

  /// The string, if it is one.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The flag, if it is a bool.
  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// The elements, if it is an array.
  public var arrayValue: [GGUFValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// The GGUF type name (`UINT32`, `ARRAY[STRING]`).
  public var typeName: String {
    switch self {
    case .unsigned(_, let bits): return "UINT\(bits)"
    case .signed(_, let bits): return "INT\(bits)"
    case .float32: return "FLOAT32"
    case .float64: return "FLOAT64"
    case .bool: return "BOOL"
    case .string: return "STRING"
    case .array(let a): return "ARRAY[\(a.first?.typeName ?? "")]"
    }
  }

  /// The value on one line for `unmask inspect`: long strings cut, arrays as their length and
  /// first few elements.
  public var summary: String {
    switch self {
    case .unsigned(let v, _): return String(v)
    case .signed(let v, _): return String(v)
    case .float32(let v): return String(v)
    case .float64(let v): return String(v)
    case .bool(let v): return String(v)
    case .string(let s):
      let oneLine = s.replacingOccurrences(of: "\n", with: "\\n")
      return oneLine.count > 80
        ? "\"\(oneLine.prefix(77))...\" (\(s.utf8.count) bytes)" : "\"\(oneLine)\""
    case .array(let a):
      let head = a.prefix(4).map(\.summary).joined(separator: ", ")
      return "[\(head)\(a.count > 4 ? ", ..." : "")] (\(a.count) \(typeName))"
    }
  }
}
