/// The parsed front of a GGUF file: version, metadata, tensor table and where the data starts.
///
/// Layout (ggml's docs/gguf.md), all little-endian: magic `GGUF`, u32 version (2 or 3; version 1
/// used u32 counts and is refused), u64 tensor count, u64 metadata count, the metadata
/// (key string, u32 value type, value), the tensor infos (name string, u32 dimension count,
/// u64 `ne` per dimension, u32 ggml type, u64 offset into the data section), padding to
/// `general.alignment` (default 32), then the data section. Strings are a u64 length and UTF-8
/// bytes. `ne[0]` is the innermost (contiguous) dimension, so a PyTorch `[out, in]` weight has
/// `ne = [in, out]`; `shape` below is PyTorch's order.
public struct GGUFHeader: Sendable {
  /// One tensor-table entry.
  public struct TensorInfo: Sendable, Equatable {
    /// The tensor's GGUF name (`blk.0.attn_q.weight`).
    public var name: String
    /// Dimensions, outermost first (the reverse of ggml's `ne`).
    public var shape: [Int]
    /// Its ggml type.
    public var type: GGMLType
    /// Byte range in the file (absolute).
    public var range: Range<Int>
  }

  /// `GGUF` read as a little-endian u32.
  public static let magic: UInt32 = 0x4655_4747
  /// ggml caps tensors at four dimensions.
  public static let maximumDimensions = 4
  /// Nested arrays deeper than this are refused (real files nest none).
  static let maximumNesting = 8

  /// The format version (2 or 3).
  public var version: UInt32
  /// Metadata in file order.
  public var metadata: [(key: String, value: GGUFValue)]
  /// The tensor table in file order.
  public var tensors: [TensorInfo]
  /// `general.alignment` (32 when absent).
  public var alignment: Int
  /// Where the data section starts (absolute).
  public var dataOffset: Int

  /// The metadata value under `key`.
  public func value(_ key: String) -> GGUFValue? {
    metadata.first { $0.key == key }?.value
  }

  /// Parses and validates `bytes`, the whole file at `path`: every count, string, dimension,
  /// type, offset and alignment is checked before it is used, and tensors may neither overlap
  /// nor run past the end of the file.
  public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> GGUFHeader {
    var cursor = GGUFCursor(bytes, path: path)
    guard bytes.count >= 4, try cursor.u32("magic") == magic else {
      throw CheckpointError(path: path, "not a GGUF file (no 'GGUF' magic at byte 0)")
    }
    let version = try cursor.u32("version")
    guard version == 2 || version == 3 else {
      let hint =
        version.byteSwapped == 2 || version.byteSwapped == 3
        ? " (a big-endian GGUF; only little-endian files are read)" : " (expected 2 or 3)"
      throw CheckpointError(path: path, "unsupported GGUF version \(version)\(hint)")
    }
    // A tensor info is at least 8 + 4 + 4 + 8 bytes; a metadata entry at least 8 + 4 + 1.
    let tensorCount = try cursor.count("tensor_count", minimumSize: 24)
    let kvCount = try cursor.count("metadata_kv_count", minimumSize: 13)
    var metadata: [(key: String, value: GGUFValue)] = []
    var keys: Set<String> = []
    for index in 0..<kvCount {
      let key = try cursor.string("metadata key \(index)")
      guard keys.insert(key).inserted else {
        throw cursor.error(key, "metadata key appears twice")
      }
      let type = try cursor.u32(key)
      metadata.append((key, try readValue(type: type, &cursor, key: key, depth: 0)))
    }
    var alignment = 32
    if let value = metadata.first(where: { $0.key == "general.alignment" })?.value {
      guard let a = value.intValue, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
        throw CheckpointError(
          path: path, item: "general.alignment",
          "\(value.summary) is not a power of two between 1 and 2^20")
      }
      alignment = a
    }
    var infos: [(name: String, ne: [Int], type: GGMLType, offset: UInt64)] = []
    var names: Set<String> = []
    for index in 0..<tensorCount {
      let name = try cursor.string("tensor \(index) name")
      guard names.insert(name).inserted else {
        throw cursor.error(name, "tensor name appears twice")
      }
      let dimensions = try cursor.u32(name)
      guard dimensions <= UInt32(maximumDimensions) else {
        throw cursor.error(name, "\(dimensions) dimensions (ggml allows at most 4)")
      }
      var ne: [Int] = []
      for _ in 0..<Int(dimensions) {
        let n = try cursor.u64(name)
        guard n <= UInt64(Int32.max) else {
          throw cursor.error(name, "dimension \(n) is too large")
        }
        ne.append(Int(n))
      }
      let type = GGMLType(code: try cursor.u32(name))
      infos.append((name, ne, type, try cursor.u64(name)))
    }
    // A file without tensors (llama.cpp's vocab-only GGUFs) may end before the padding, as
    // ggml's reader allows: only a data section that exists must lie inside the file.
    let padded = min(
      (cursor.offset + alignment - 1) / alignment * alignment,
      infos.isEmpty ? bytes.count : Int.max)
    guard padded <= bytes.count else {
      throw CheckpointError(
        path: path,
        "truncated: the data section would start at byte \(padded) but the file has \(bytes.count)"
      )
    }
    let tensors = try infos.map {
      try tensorInfo(
        $0, dataOffset: padded, alignment: alignment, fileSize: bytes.count, path: path)
    }
    try checkOverlap(tensors, path: path)
    return GGUFHeader(
      version: version, metadata: metadata, tensors: tensors, alignment: alignment,
      dataOffset: padded)
  }

  /// Checks one tensor's type, size, alignment and extent against the file.
  private static func tensorInfo(
    _ info: (name: String, ne: [Int], type: GGMLType, offset: UInt64), dataOffset: Int,
    alignment: Int, fileSize: Int, path: String
  ) throws -> TensorInfo {
    let name = info.name
    guard info.type.blockElements != nil else {
      throw CheckpointError(
        path: path, item: name, "unknown ggml type code \(info.type.code)")
    }
    var rows = 1
    for n in info.ne.dropFirst() {
      let (product, overflow) = rows.multipliedReportingOverflow(by: n)
      guard !overflow else {
        throw CheckpointError(path: path, item: name, "shape \(info.ne) overflows")
      }
      rows = product
    }
    let columns = info.ne.first ?? 1
    guard let rowBytes = info.type.rowBytes(elements: columns) else {
      throw CheckpointError(
        path: path, item: name,
        "\(info.type) needs rows of a multiple of \(info.type.blockElements ?? 1) elements, not \(columns)"
      )
    }
    let (size, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
    guard !overflow else {
      throw CheckpointError(path: path, item: name, "shape \(info.ne) overflows")
    }
    guard info.offset % UInt64(alignment) == 0 else {
      throw CheckpointError(
        path: path, item: name, "data offset \(info.offset) is not a multiple of \(alignment)")
    }
    let available = UInt64(fileSize - dataOffset)
    guard info.offset <= available, UInt64(size) <= available - info.offset else {
      throw CheckpointError(
        path: path, item: name,
        "\(size) bytes at data offset \(info.offset) run past the end of the file (\(available) bytes of data)"
      )
    }
    let start = dataOffset + Int(info.offset)
    return TensorInfo(
      name: name, shape: info.ne.reversed(), type: info.type, range: start..<(start + size))
  }

  private static func checkOverlap(_ tensors: [TensorInfo], path: String) throws {
    let ordered = tensors.sorted { ($0.range.lowerBound, $0.name) < ($1.range.lowerBound, $1.name) }
    for (previous, next) in zip(ordered, ordered.dropFirst())
    where next.range.lowerBound < previous.range.upperBound {
      throw CheckpointError(path: path, item: next.name, "data overlaps tensor '\(previous.name)'")
    }
  }

  /// One value of GGUF type `type` (arrays recursively, up to `maximumNesting` deep).
  private static func readValue(type: UInt32, _ cursor: inout GGUFCursor, key: String, depth: Int)
    throws -> GGUFValue
  {
    switch type {
    case 0: return .unsigned(UInt64(try cursor.load(UInt8.self, key)), bits: 8)
    case 1: return .signed(Int64(try cursor.load(Int8.self, key)), bits: 8)
    case 2: return .unsigned(UInt64(try cursor.load(UInt16.self, key)), bits: 16)
    case 3: return .signed(Int64(try cursor.load(Int16.self, key)), bits: 16)
    case 4: return .unsigned(UInt64(try cursor.u32(key)), bits: 32)
    case 5: return .signed(Int64(try cursor.load(Int32.self, key)), bits: 32)
    case 6: return .float32(Float(bitPattern: try cursor.u32(key)))
    case 7:
      let byte = try cursor.load(UInt8.self, key)
      guard byte <= 1 else { throw cursor.error(key, "bool byte \(byte) is neither 0 nor 1") }
      return .bool(byte == 1)
    case 8: return .string(try cursor.string(key))
    case 9:
      guard depth < maximumNesting else { throw cursor.error(key, "arrays nested too deep") }
      let elementType = try cursor.u32(key)
      guard let size = minimumSize(of: elementType) else {
        throw cursor.error(key, "unknown array element type \(elementType)")
      }
      let count = try cursor.count(key, minimumSize: size)
      var elements: [GGUFValue] = []
      elements.reserveCapacity(count)
      for _ in 0..<count {
        elements.append(try readValue(type: elementType, &cursor, key: key, depth: depth + 1))
      }
      return .array(elements)
    case 10: return .unsigned(try cursor.u64(key), bits: 64)
    case 11: return .signed(try cursor.load(Int64.self, key), bits: 64)
    case 12: return .float64(Double(bitPattern: try cursor.u64(key)))
    default: throw cursor.error(key, "unknown metadata value type \(type)")
    }
  }

  /// The fewest bytes one value of `type` takes, or nil for an unknown type.
  private static func minimumSize(of type: UInt32) -> Int? {
    switch type {
    case 0, 1, 7: return 1
    case 2, 3: return 2
    case 4, 5, 6: return 4
    case 8, 10, 11, 12: return 8
    case 9: return 12
    default: return nil
    }
  }
}
