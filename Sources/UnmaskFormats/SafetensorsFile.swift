import Foundation
import UnmaskCore
import UnmaskKernels

/// One `.safetensors` file, memory-mapped and validated before any tensor is touched.
///
/// Layout (huggingface/safetensors): an 8-byte little-endian header length `N`, `N` bytes of
/// JSON mapping each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets
/// relative to the data section that follows the header) plus an optional `__metadata__`
/// object of strings, then the data. Every rule the format states is checked at open:
/// header inside the file, a JSON object, known dtypes, `shape × dtype size == end - begin`,
/// offsets inside the data section and tensors not overlapping.
public final class SafetensorsFile: TensorSource {
  /// Where one tensor lives in the file.
  public struct Entry: Sendable, Equatable {
    /// Element type.
    public var dtype: DType
    /// Dimensions.
    public var shape: [Int]
    /// Byte range relative to the start of the file.
    public var range: Range<Int>
  }

  /// The safetensors format caps headers at 100 MB; so do we, before reading one.
  public static let maximumHeaderLength = 100_000_000

  /// The mapped file.
  public let file: MappedFile
  /// Tensor table by name.
  public let entries: [String: Entry]
  /// The `__metadata__` strings, if any.
  public let metadata: [String: String]
  /// Names sorted.
  public let tensorNames: [String]

  /// The file's path.
  public var location: String { file.path }

  /// Maps and validates the file at `url`.
  public convenience init(url: URL) throws {
    try self.init(file: MappedFile(url: url))
  }

  /// Validates an already mapped file.
  public init(file: MappedFile) throws {
    self.file = file
    let path = file.path
    guard file.count >= 8 else {
      throw CheckpointError(
        path: path, "truncated: \(file.count) bytes, need at least 8 for the header length")
    }
    let declared = file.bytes.loadUnaligned(as: UInt64.self).littleEndian
    // The header is a JSON object, so byte 8 is `{`: anything else (a text file, a .umk) is
    // not a safetensors file, whatever its first eight bytes say as a length.
    guard file.count == 8 || file.bytes.load(fromByteOffset: 8, as: UInt8.self) == UInt8(ascii: "{")
    else {
      throw CheckpointError(
        path: path, "not a safetensors file (no JSON header after the 8-byte length)")
    }
    guard declared <= UInt64(Self.maximumHeaderLength) else {
      throw CheckpointError(path: path, "header length \(declared) exceeds the 100 MB limit")
    }
    let headerLength = Int(declared)
    guard 8 + headerLength <= file.count else {
      throw CheckpointError(
        path: path,
        "truncated: header claims \(headerLength) bytes but the file has \(file.count - 8) after the length"
      )
    }
    let headerData = Data(file.slice(8..<(8 + headerLength)))
    guard let table = JSONValue.parse(headerData)?.objectValue else {
      throw CheckpointError(path: path, "header is not a JSON object")
    }
    let dataStart = 8 + headerLength
    let dataSize = file.count - dataStart
    var entries: [String: Entry] = [:]
    var metadata: [String: String] = [:]
    for (name, value) in table {
      if name == "__metadata__" {
        guard let object = value.objectValue else {
          throw CheckpointError(path: path, item: name, "must be an object of strings")
        }
        for (key, item) in object {
          guard let string = item.stringValue else {
            throw CheckpointError(path: path, item: "__metadata__.\(key)", "must be a string")
          }
          metadata[key] = string
        }
        continue
      }
      let entry = try Self.parseEntry(value, name: name, path: path, dataSize: dataSize)
      entries[name] = Entry(
        dtype: entry.dtype, shape: entry.shape,
        range: (dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound))
    }
    let ordered = entries.sorted {
      ($0.value.range.lowerBound, $0.key) < ($1.value.range.lowerBound, $1.key)
    }
    for (previous, next) in zip(ordered, ordered.dropFirst())
    where next.value.range.lowerBound < previous.value.range.upperBound {
      throw CheckpointError(path: path, item: next.key, "data overlaps tensor '\(previous.key)'")
    }
    self.entries = entries
    self.metadata = metadata
    self.tensorNames = entries.keys.sorted()
  }

  /// Parses one tensor's table entry; `range` is relative to the data section.
  private static func parseEntry(_ value: JSONValue, name: String, path: String, dataSize: Int)
    throws -> Entry
  {
    guard let object = value.objectValue else {
      throw CheckpointError(path: path, item: name, "entry is not an object")
    }
    guard let dtypeName = object["dtype"]?.stringValue else {
      throw CheckpointError(path: path, item: name, "missing string field 'dtype'")
    }
    guard let dtype = DType(rawValue: dtypeName), DType.safetensorsTypes.contains(dtype) else {
      let known = DType.safetensorsTypes.map(\.rawValue).sorted().joined(separator: ", ")
      throw CheckpointError(
        path: path, item: name, "unknown dtype '\(dtypeName)' (expected one of \(known))")
    }
    guard let shape = object["shape"]?.integerArray, shape.allSatisfy({ $0 >= 0 })
    else {
      throw CheckpointError(
        path: path, item: name, "'shape' must be an array of non-negative integers")
    }
    guard let offsets = object["data_offsets"]?.integerArray, offsets.count == 2
    else {
      throw CheckpointError(
        path: path, item: name, "'data_offsets' must be two integers [begin, end]")
    }
    let (begin, end) = (offsets[0], offsets[1])
    guard begin >= 0, begin <= end, end <= dataSize else {
      throw CheckpointError(
        path: path, item: name,
        "data_offsets [\(begin), \(end)] lie outside the data section of \(dataSize) bytes")
    }
    var elements = 1
    for dimension in shape {
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard !overflow else {
        throw CheckpointError(path: path, item: name, "shape \(shape) overflows")
      }
      elements = product
    }
    guard let expected = dtype.storageSize(elements: elements), expected == end - begin else {
      throw CheckpointError(
        path: path, item: name,
        "shape \(shape) of \(dtypeName) needs \(dtype.storageSize(elements: elements).map(String.init) ?? "too many") bytes but data_offsets span \(end - begin)"
      )
    }
    return Entry(dtype: dtype, shape: shape, range: begin..<end)
  }

  /// A zero-copy view of tensor `name`.
  public func tensor(named name: String) throws -> TensorView {
    guard let entry = entries[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    return TensorView(
      name: name, dtype: entry.dtype, shape: entry.shape, bytes: file.slice(entry.range),
      owner: file)
  }
}
