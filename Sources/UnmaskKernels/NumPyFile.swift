import Foundation

/// NumPy's `.npy` format (version 1.0) for little-endian float32 arrays, so numpy and pandas
/// read Unmask's logits and trace matrices directly with `np.load`.
///
/// Layout: magic `\x93NUMPY`, version 1.0, a little-endian u16 header length, an ASCII Python
/// dict (`descr`, `fortran_order`, `shape`) padded with spaces and a newline so the data starts
/// on a 64-byte boundary, then the values in C order.
public enum NumPyFile {
  /// The bytes of a `.npy` file holding `values` with `shape` (C order).
  public static func float32(_ values: [Float], shape: [Int]) -> Data {
    precondition(shape.reduce(1, *) == values.count, "npy shape does not match the value count")
    var data = header(descr: "<f4", shape: shape)
    values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
    return data
  }

  /// The header (magic through padding) for an array of `descr` elements with `shape`.
  public static func header(descr: String, shape: [Int]) -> Data {
    let dims = shape.map(String.init).joined(separator: ", ")
    let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
    var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    let unpadded = 10 + dict.utf8.count + 1
    dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = UInt16(dict.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(dict.utf8))
    return data
  }

  /// Reads a little-endian float32 `.npy` file: its shape and values. Used by tests to read
  /// golden values; throws on anything else.
  public static func readFloat32(_ data: Data, source: String) throws -> (shape: [Int], values: [Float]) {
    let bytes = [UInt8](data)
    guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
      throw NumPyError(source: source, problem: "not an .npy file")
    }
    let major = bytes[6]
    let headerStart = major == 1 ? 10 : 12
    guard bytes.count >= headerStart else { throw NumPyError(source: source, problem: "truncated header") }
    let length =
      major == 1
      ? Int(bytes[8]) | Int(bytes[9]) << 8
      : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    guard bytes.count >= headerStart + length,
      let header = String(bytes: bytes[headerStart..<(headerStart + length)], encoding: .ascii)
    else { throw NumPyError(source: source, problem: "truncated header") }
    guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False") else {
      throw NumPyError(source: source, problem: "expected little-endian float32 in C order, got \(header)")
    }
    guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
      throw NumPyError(source: source, problem: "no shape in header")
    }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    let count = shape.reduce(1, *)
    let start = headerStart + length
    guard bytes.count - start == count * 4 else {
      throw NumPyError(source: source, problem: "data holds \(bytes.count - start) bytes, shape \(shape) needs \(count * 4)")
    }
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBytes { destination in
      bytes.withUnsafeBytes { source in
        destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start...]))
      }
    }
    return (shape, values)
  }
}

/// An `.npy` file Unmask cannot read.
public struct NumPyError: Error, CustomStringConvertible {
  /// The file.
  public var source: String
  /// What is wrong.
  public var problem: String
  /// One line.
  public var description: String { "\(source): \(problem)" }
}
