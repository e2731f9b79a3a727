import Foundation

/// NumPy's `.npy` format (version 1.0) for little-endian arrays in C order, so numpy and pandas
/// read Unmask's logits and trace matrices directly with `np.load`.
///
/// Layout: magic `\x93NUMPY`, version 1.0, a little-endian u16 header length, an ASCII Python
/// dict (`descr`, `fortran_order`, `shape`) padded with spaces and a newline so the data starts
/// on a 64-byte boundary, then the values in C order. Readers accept versions 1, 2 and 3.
public enum NumPyFile {
  /// The bytes of a `.npy` file holding float32 `values` with `shape` (C order).
  public static func float32(_ values: [Float], shape: [Int]) -> Data {
    precondition(shape.reduce(1, *) == values.count, "npy shape does not match the value count")
    var data = header(descr: "<f4", shape: shape)
    values.withUnsafeBufferPointer {
      data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count))
    }
    return data
  }

  /// The header (magic through padding) for an array of `descr` elements with `shape`, padded
  /// to a multiple of 64 bytes and to at least `minimumLength` (a streaming writer reserves a
  /// fixed size and rewrites the header in place once the row count is known).
  public static func header(descr: String, shape: [Int], minimumLength: Int = 0) -> Data {
    let dims = shape.map(String.init).joined(separator: ", ")
    let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
    var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    var total = 10 + dict.utf8.count + 1
    total = max(total, minimumLength)
    total = (total + 63) / 64 * 64
    dict += String(repeating: " ", count: total - 10 - dict.utf8.count - 1) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = UInt16(dict.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(dict.utf8))
    return data
  }

  /// Reads a `.npy` file of little-endian `descr` elements (e.g. `<f4` as `Float`, `<i4` as
  /// `Int32`) in C order: its shape and values. Every header field and the data size are
  /// checked; errors name `source` and the field.
  public static func read<Element: BitwiseCopyable>(
    _ data: Data, descr: String, as: Element.Type, source: String
  ) throws -> (shape: [Int], values: [Element]) {
    let bytes = [UInt8](data)
    func bad(_ field: String, _ expected: String) -> NumPyError {
      NumPyError(source: source, field: field, expected: expected)
    }
    guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
      throw bad("magic", "\\x93NUMPY")
    }
    let headerStart: Int
    let headerLength: Int
    switch bytes[6] {
    case 1:
      headerStart = 10
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    case 2, 3:
      guard bytes.count >= 12 else { throw bad("header length", "4 bytes") }
      headerStart = 12
      headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
    default:
      throw bad("version", "1.0, 2.0 or 3.0")
    }
    let dataStart = headerStart + headerLength
    guard dataStart <= bytes.count else { throw bad("header length", "within the file") }
    let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
    guard header.contains("'descr': '\(descr)'") else { throw bad("descr", "'\(descr)'") }
    guard header.contains("'fortran_order': False") else {
      throw bad("fortran_order", "False (C order)")
    }
    guard let open = header.range(of: "'shape': ("),
      let close = header[open.upperBound...].firstIndex(of: ")")
    else { throw bad("shape", "a tuple") }
    let parts = header[open.upperBound..<close].split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    var shape: [Int] = []
    for part in parts where !part.isEmpty {
      guard let dimension = Int(part), dimension >= 0 else {
        throw bad("shape", "non-negative integers")
      }
      shape.append(dimension)
    }
    let size = MemoryLayout<Element>.size
    var count = 1
    for dimension in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { throw bad("shape", "a size that fits in memory") }
      count = product
    }
    guard count <= (bytes.count - dataStart) / max(size, 1), bytes.count - dataStart == count * size
    else {
      throw bad(
        "data", "\(count) × \(size) bytes for shape \(shape), found \(bytes.count - dataStart)")
    }
    // One bulk copy, taking the file's little-endian values as host values (as the per-element
    // loads it replaced did): this generic function is not specialised across modules, and
    // loading through the generic witness made reading a trace's matrices back cost ~1.5 ms.
    let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBytes { raw in
        if let target = buffer.baseAddress, let source = raw.baseAddress {
          UnsafeMutableRawPointer(target).copyMemory(
            from: source + dataStart, byteCount: count * size)
        }
      }
      initialized = count
    }
    return (shape, values)
  }

  /// Reads a little-endian float32 `.npy` file (golden values, logits).
  public static func readFloat32(_ data: Data, source: String) throws -> (
    shape: [Int], values: [Float]
  ) {
    try read(data, descr: "<f4", as: Float.self, source: source)
  }
}

/// An `.npy` file that is not what the reader expects.
public struct NumPyError: Error, CustomStringConvertible, Equatable {
  /// The file.
  public var source: String
  /// The header field or part at fault.
  public var field: String
  /// What was expected there.
  public var expected: String
  /// One line: `file: field: expected ...`.
  public var description: String { "\(source): '\(field)': expected \(expected)" }
}
