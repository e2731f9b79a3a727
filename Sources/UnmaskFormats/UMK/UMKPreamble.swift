/// The fixed 64 bytes at the start of every `.umk` file:
///
/// ```
/// 0   8  magic "\x89UMK\r\n\x1a\n"
/// 8   2  major version (1)        10  2  minor version (0)       12  4  flags (0)
/// 16  8  header offset            24  8  header length           32  8  header XXH64
/// 40  8  file length              48  8  reserved (0)            56  8  XXH64 of bytes 0..<56
/// ```
public struct UMKPreamble: Sendable, Equatable {
  /// Minor version of the writer.
  public var minorVersion: UInt16 = UMKLayout.minorVersion
  /// Where the header starts (after all stored data).
  public var headerOffset: Int
  /// Header bytes.
  public var headerLength: Int
  /// XXH64 of the header bytes.
  public var headerChecksum: UInt64
  /// Total file size; a shorter file was truncated.
  public var fileLength: Int

  /// A preamble from its parts.
  public init(headerOffset: Int, headerLength: Int, headerChecksum: UInt64, fileLength: Int) {
    self.headerOffset = headerOffset
    self.headerLength = headerLength
    self.headerChecksum = headerChecksum
    self.fileLength = fileLength
  }

  /// The 64 preamble bytes.
  public func serialized() -> [UInt8] {
    var w = ByteWriter()
    w.bytes += UMKLayout.magic
    w.u16(UMKLayout.majorVersion)
    w.u16(minorVersion)
    w.u32(0)
    w.int(headerOffset)
    w.int(headerLength)
    w.u64(headerChecksum)
    w.int(fileLength)
    w.u64(0)
    w.u64(XXH64.hash(w.bytes))
    return w.bytes
  }

  /// Parses and checks the preamble of a file of `file.count` bytes: magic, version, its own
  /// checksum, the file length and the header range.
  static func parse(_ file: UnsafeRawBufferPointer) throws -> UMKPreamble {
    // The magic first, on whatever bytes there are: a short text file named .umk is "not a
    // .umk file", and only a file that starts like one can be "truncated".
    guard file.prefix(8).elementsEqual(UMKLayout.magic.prefix(min(8, file.count))),
      file.count > 0
    else {
      throw UMKParseError(field: "magic", "not a .umk file (bad magic number)")
    }
    guard file.count >= UMKLayout.preambleSize else {
      throw UMKParseError(
        field: "preamble",
        "truncated: \(file.count) bytes, a .umk file starts with \(UMKLayout.preambleSize)")
    }
    var r = ByteReader(UnsafeRawBufferPointer(rebasing: file[0..<UMKLayout.preambleSize]))
    _ = try r.u64("magic")
    let major = try r.u16("major version")
    let minor = try r.u16("minor version")
    guard major == UMKLayout.majorVersion else {
      throw UMKParseError(
        field: "version",
        "format version \(major).\(minor); this reader reads version \(UMKLayout.majorVersion).x (convert the checkpoint again with this unmask)"
      )
    }
    _ = try r.u32("flags")
    let headerOffset = try r.int("header offset")
    let headerLength = try r.int("header length", limit: UMKLayout.maximumHeaderLength)
    let headerChecksum = try r.u64("header checksum")
    let fileLength = try r.int("file length")
    _ = try r.u64("reserved")
    let stored = try r.u64("preamble checksum")
    guard stored == XXH64.hash(UnsafeRawBufferPointer(rebasing: file[0..<56])) else {
      throw UMKParseError(field: "preamble", "checksum mismatch (the first 64 bytes are corrupt)")
    }
    guard fileLength == file.count else {
      throw UMKParseError(
        field: "file length",
        fileLength > file.count
          ? "truncated: the file has \(file.count) bytes, its preamble says \(fileLength)"
          : "the file has \(file.count) bytes, its preamble says \(fileLength)")
    }
    guard headerOffset >= UMKLayout.preambleSize, headerOffset <= fileLength,
      headerLength <= fileLength - headerOffset
    else {
      throw UMKParseError(
        field: "header",
        "range [\(headerOffset), +\(headerLength)) lies outside the file of \(fileLength) bytes")
    }
    var preamble = UMKPreamble(
      headerOffset: headerOffset, headerLength: headerLength, headerChecksum: headerChecksum,
      fileLength: fileLength)
    preamble.minorVersion = minor
    return preamble
  }
}
