import Foundation
import UnmaskCore

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

  private static func read<T: Sendable & BitwiseCopyable>(
    _ path: String, descr: String, as type: T.Type
  ) throws
    -> NPYMatrix<T>
  {
    guard FileManager.default.fileExists(atPath: path) else {
      throw TraceError.missingFile(file: path)
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TraceError.io(file: path, message: "could not read")
    }
    do {
      let (shape, values) = try NumPyFile.read(data, descr: descr, as: type, source: path)
      guard shape.count == 2 else {
        throw TraceError.malformed(
          file: path, line: nil, field: "shape", expected: "(rows, columns)")
      }
      return NPYMatrix(rows: shape[0], columns: shape[1], values: values)
    } catch let error as NumPyError {
      throw TraceError.malformed(
        file: path, line: nil, field: error.field, expected: error.expected)
    }
  }
}
