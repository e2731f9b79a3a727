import Foundation
import UnmaskCore

/// Streams a 2-D little-endian NumPy array (`.npy`, format 1.0) to disk one row at a time.
///
/// The row count is unknown until the run ends, so a fixed 128-byte header is written first and
/// rewritten with the final shape by `close()`; memory stays O(columns).
final class NPYStreamWriter {
  /// The NumPy dtype written: `<i4` (Int32) or `<f4` (Float32).
  enum DType: String {
    case int32 = "<i4"
    case float32 = "<f4"
  }

  /// Size of the header (magic, version, length, dict, padding): a multiple of 64.
  static let headerSize = 128

  let path: String
  let dtype: DType
  let columns: Int
  private(set) var rows = 0
  private var file: UnsafeMutablePointer<FILE>?

  /// Creates `path` and writes a placeholder header.
  init(path: String, dtype: DType, columns: Int) throws {
    self.path = path
    self.dtype = dtype
    self.columns = columns
    guard let file = fopen(path, "wb") else {
      throw TraceError.io(file: path, message: String(cString: strerror(errno)))
    }
    self.file = file
    try writeHeader()
  }

  deinit {
    if let file { fclose(file) }
  }

  /// The header bytes for `rows x columns`, always `headerSize` long so it can be rewritten.
  static func header(dtype: DType, rows: Int, columns: Int) -> [UInt8] {
    [UInt8](
      NumPyFile.header(descr: dtype.rawValue, shape: [rows, columns], minimumLength: headerSize))
  }

  private func writeHeader() throws {
    guard let file else { return }
    let bytes = NPYStreamWriter.header(dtype: dtype, rows: rows, columns: columns)
    guard fseek(file, 0, SEEK_SET) == 0, fwrite(bytes, 1, bytes.count, file) == bytes.count else {
      throw TraceError.io(file: path, message: "could not write the .npy header")
    }
  }

  /// Appends one row of Int32 (`count == columns`).
  func append(_ row: [Int32]) throws {
    precondition(dtype == .int32 && row.count == columns)
    try write(row)
  }

  /// Appends one row of Float32 (`count == columns`).
  func append(_ row: [Float]) throws {
    precondition(dtype == .float32 && row.count == columns)
    try write(row)
  }

  private func write<T>(_ row: [T]) throws {
    guard let file else { throw TraceError.io(file: path, message: "already closed") }
    let written = row.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    guard written == row.count * MemoryLayout<T>.size else {
      throw TraceError.io(file: path, message: "short write (disk full?)")
    }
    rows += 1
  }

  /// Rewrites the header with the final row count and closes the file.
  func close() throws {
    guard let file else { return }
    try writeHeader()
    self.file = nil
    guard fclose(file) == 0 else {
      throw TraceError.io(file: path, message: String(cString: strerror(errno)))
    }
  }
}
