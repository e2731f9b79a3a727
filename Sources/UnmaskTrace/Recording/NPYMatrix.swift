import Foundation

/// A 2-D row-major matrix read from a `.npy` file (`[rows, columns]`).
public struct NPYMatrix<Element: Sendable>: Sendable {
  /// Number of rows (steps).
  public var rows: Int
  /// Number of columns (canvas positions).
  public var columns: Int
  /// `rows * columns` values, row-major.
  public var values: [Element]

  /// A matrix over `values`; the caller guarantees `values.count == rows * columns`.
  public init(rows: Int, columns: Int, values: [Element]) {
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// The value at `(row, column)`.
  @inlinable public subscript(row: Int, column: Int) -> Element {
    values[row * columns + column]
  }
}

/// Parses `.npy` headers and data, checking magic, version, dtype, order and size.
enum NPYReader {
  /// Reads a 2-D `<i4` matrix.
  static func readInt32(_ path: String) throws -> NPYMatrix<Int32> {
    try read(path, descr: "<i4", as: Int32.self)
  }

  /// Reads a 2-D `<f4` matrix.
  static func readFloat32(_ path: String) throws -> NPYMatrix<Float> {
    try read(path, descr: "<f4", as: Float.self)
  }

  private static func read<T: Sendable>(_ path: String, descr: String, as: T.Type) throws
    -> NPYMatrix<T>
  {
    guard FileManager.default.fileExists(atPath: path) else {
      throw TraceError.missingFile(file: path)
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TraceError.io(file: path, message: "could not read")
    }
    let bytes = [UInt8](data)
    func bad(_ field: String, _ expected: String) -> TraceError {
      .malformed(file: path, line: nil, field: field, expected: expected)
    }
    guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
      throw bad("magic", "\\x93NUMPY")
    }
    let major = bytes[6]
    let headerLength: Int
    let dataStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      dataStart = 10 + headerLength
    case 2, 3:
      guard bytes.count >= 12 else { throw bad("header length", "4 bytes") }
      headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
      dataStart = 12 + headerLength
    default:
      throw bad("version", "1.0, 2.0 or 3.0")
    }
    guard dataStart <= bytes.count else { throw bad("header length", "within the file") }
    let header = String(decoding: bytes[(dataStart - headerLength)..<dataStart], as: UTF8.self)
    guard header.contains("'descr': '\(descr)'") else { throw bad("descr", "'\(descr)'") }
    guard header.contains("'fortran_order': False") else {
      throw bad("fortran_order", "False (row-major)")
    }
    guard let open = header.range(of: "'shape': ("),
      let close = header[open.upperBound...].firstIndex(of: ")")
    else { throw bad("shape", "a tuple") }
    let dims = header[open.upperBound..<close].split(separator: ",").map {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard dims.count == 2, let rows = dims[0], let columns = dims[1], rows >= 0, columns >= 0
    else { throw bad("shape", "(rows, columns)") }
    let size = MemoryLayout<T>.size
    guard bytes.count - dataStart == rows * columns * size else {
      throw bad("data", "\(rows * columns * size) bytes for shape (\(rows), \(columns))")
    }
    var values = [T]()
    values.reserveCapacity(rows * columns)
    bytes.withUnsafeBytes { raw in
      let body = UnsafeRawBufferPointer(rebasing: raw[dataStart...])
      for i in 0..<(rows * columns) {
        values.append(body.loadUnaligned(fromByteOffset: i * size, as: T.self))
      }
    }
    return NPYMatrix(rows: rows, columns: columns, values: values)
  }
}
