/// A bounds-checked little-endian cursor over a GGUF header, throwing one-line
/// `CheckpointError`s that name the file, the field and the byte offset.
///
/// Every read checks the bytes left first; a count is checked against the bytes left (times the
/// smallest size of one element) before anything is allocated from it, so a hostile count
/// cannot make the reader allocate more than the file could hold.
struct GGUFCursor {
  let bytes: UnsafeRawBufferPointer
  let path: String
  private(set) var offset = 0

  init(_ bytes: UnsafeRawBufferPointer, path: String) {
    self.bytes = bytes
    self.path = path
  }

  /// Bytes not yet read.
  var remaining: Int { bytes.count - offset }

  /// An error at the current offset.
  func error(_ field: String, _ problem: String) -> CheckpointError {
    CheckpointError(path: path, item: field, "\(problem) (at byte \(offset))")
  }

  mutating func require(_ count: Int, _ field: String) throws {
    guard count >= 0, count <= remaining else {
      throw error(
        field, "truncated: needs \(count) bytes but only \(remaining) remain in the file")
    }
  }

  mutating func load<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
    try require(MemoryLayout<T>.size, field)
    defer { offset += MemoryLayout<T>.size }
    return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
  }

  mutating func u32(_ field: String) throws -> UInt32 { try load(UInt32.self, field) }
  mutating func u64(_ field: String) throws -> UInt64 { try load(UInt64.self, field) }

  /// A u64 count of items of at least `minimumSize` bytes each, checked against the bytes left.
  mutating func count(_ field: String, minimumSize: Int) throws -> Int {
    let value = try u64(field)
    guard value <= UInt64(remaining / max(minimumSize, 1)) else {
      throw error(
        field,
        "count \(value) cannot fit in the \(remaining) bytes left (at least \(minimumSize) bytes each)"
      )
    }
    return Int(value)
  }

  /// A GGUF string: u64 length, then that many UTF-8 bytes.
  mutating func string(_ field: String) throws -> String {
    let length = try u64(field)
    guard length <= UInt64(remaining) else {
      throw error(field, "string of \(length) bytes runs past the end of the file")
    }
    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
    offset += Int(length)
    return String(decoding: slice, as: UTF8.self)
  }

  /// Moves to `target`, which must lie inside the file.
  mutating func seek(to target: Int, _ field: String) throws {
    guard target >= offset, target <= bytes.count else {
      throw error(field, "offset \(target) lies outside the file of \(bytes.count) bytes")
    }
    offset = target
  }
}
