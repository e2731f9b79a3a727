import Foundation

/// A bounds-checked little-endian cursor over untrusted bytes (a `.umk` preamble or header).
///
/// Every read checks the remaining length first and throws `UMKParseError.truncated`; nothing
/// is allocated from a count before that count has been checked against the bytes left.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  private(set) var offset = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  /// Bytes not yet read.
  var remaining: Int { bytes.count - offset }

  mutating func require(_ count: Int, _ what: String) throws {
    guard count >= 0, count <= remaining else {
      throw UMKParseError(
        field: what, "needs \(count) bytes but only \(remaining) remain in the header")
    }
  }

  mutating func u8(_ what: String) throws -> UInt8 {
    try require(1, what)
    defer { offset += 1 }
    return bytes.load(fromByteOffset: offset, as: UInt8.self)
  }

  mutating func u16(_ what: String) throws -> UInt16 {
    try require(2, what)
    defer { offset += 2 }
    return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  mutating func u32(_ what: String) throws -> UInt32 {
    try require(4, what)
    defer { offset += 4 }
    return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  mutating func u64(_ what: String) throws -> UInt64 {
    try require(8, what)
    defer { offset += 8 }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// A u64 that must fit in `Int` and not exceed `limit`.
  mutating func int(_ what: String, limit: Int = Int.max) throws -> Int {
    let value = try u64(what)
    guard value <= UInt64(limit) else {
      throw UMKParseError(field: what, "value \(value) exceeds the limit \(limit)")
    }
    return Int(value)
  }

  /// A UTF-8 string of `count` bytes.
  mutating func string(count: Int, _ what: String) throws -> String {
    try require(count, what)
    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    offset += count
    guard let text = String(bytes: slice, encoding: .utf8) else {
      throw UMKParseError(field: what, "is not valid UTF-8")
    }
    return text
  }
}

/// A parse failure inside the `.umk` preamble or header, before a path is attached.
struct UMKParseError: Error {
  var field: String
  var problem: String
  init(field: String, _ problem: String) {
    self.field = field
    self.problem = problem
  }
}

/// Little-endian serialization for the writer, the mirror of `ByteReader`.
struct ByteWriter {
  var bytes: [UInt8] = []
  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u16(_ v: UInt16) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }
  mutating func u32(_ v: UInt32) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }
  mutating func u64(_ v: UInt64) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }
  mutating func int(_ v: Int) { u64(UInt64(v)) }
  mutating func string16(_ s: String) {
    let utf8 = Array(s.utf8)
    u16(UInt16(utf8.count))
    bytes.append(contentsOf: utf8)
  }
}
