import Foundation
import UnmaskCore

/// Writes a GGUF version 3 file (the layout `GGUFHeader` reads): magic, version, tensor and
/// metadata counts, the metadata, the tensor table, then each tensor's bytes at a multiple of
/// `general.alignment` (32) from the start of the data. Through an `AtomicFileWriter`, so a
/// failed or interrupted export leaves no file.
public enum GGUFWriter {
  /// One tensor to write.
  public struct Tensor {
    /// GGUF name (`blk.0.attn_q.weight`).
    public var name: String
    /// ggml type.
    public var type: GGMLType
    /// Shape, outermost first (the file stores it innermost first, as ggml's `ne`).
    public var shape: [Int]
    /// Its bytes, written by the closure (called once, in order).
    public var byteCount: Int
    /// Writes exactly `byteCount` bytes.
    public var write: (AtomicFileWriter) throws -> Void
  }

  /// The alignment written (GGUF's default; the key is not written).
  public static let alignment = 32

  /// Writes `metadata` and `tensors` to `destination`.
  public static func write(
    metadata: [(key: String, value: GGUFValue)], tensors: [Tensor], to destination: URL
  ) throws {
    var head: [UInt8] = Array("GGUF".utf8)
    append(UInt32(3), to: &head)
    append(UInt64(tensors.count), to: &head)
    append(UInt64(metadata.count), to: &head)
    for (key, value) in metadata {
      appendString(key, to: &head)
      append(typeCode(value), to: &head)
      appendValue(value, to: &head)
    }
    var offset = 0
    for tensor in tensors {
      appendString(tensor.name, to: &head)
      append(UInt32(tensor.shape.count), to: &head)
      for n in tensor.shape.reversed() { append(UInt64(n), to: &head) }
      append(tensor.type.code, to: &head)
      append(UInt64(offset), to: &head)
      offset += (tensor.byteCount + alignment - 1) / alignment * alignment
    }
    let out = try AtomicFileWriter(destination: destination)
    try out.write(head)
    try out.pad(to: alignment)
    let dataStart = out.position
    for tensor in tensors {
      try out.pad(to: alignment)
      let before = out.position
      try tensor.write(out)
      guard out.position - before == tensor.byteCount, (before - dataStart) % alignment == 0
      else {
        throw CheckpointError(
          path: destination.path, item: tensor.name,
          "wrote \(out.position - before) bytes, expected \(tensor.byteCount)")
      }
    }
    try out.commit(sync: true)
  }

  private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  private static func appendString(_ text: String, to bytes: inout [UInt8]) {
    append(UInt64(text.utf8.count), to: &bytes)
    bytes.append(contentsOf: text.utf8)
  }

  /// `gguf_type` of a value (arrays take their first element's, or UINT8 when empty).
  private static func typeCode(_ value: GGUFValue) -> UInt32 {
    switch value {
    case .unsigned(_, let bits): return [8: 0, 16: 2, 32: 4, 64: 10][bits] ?? 10
    case .signed(_, let bits): return [8: 1, 16: 3, 32: 5, 64: 11][bits] ?? 11
    case .float32: return 6
    case .bool: return 7
    case .string: return 8
    case .array: return 9
    case .float64: return 12
    }
  }

  private static func appendValue(_ value: GGUFValue, to bytes: inout [UInt8]) {
    switch value {
    case .unsigned(let v, let bits):
      switch bits {
      case 8: append(UInt8(truncatingIfNeeded: v), to: &bytes)
      case 16: append(UInt16(truncatingIfNeeded: v), to: &bytes)
      case 32: append(UInt32(truncatingIfNeeded: v), to: &bytes)
      default: append(v, to: &bytes)
      }
    case .signed(let v, let bits):
      switch bits {
      case 8: append(Int8(truncatingIfNeeded: v), to: &bytes)
      case 16: append(Int16(truncatingIfNeeded: v), to: &bytes)
      case 32: append(Int32(truncatingIfNeeded: v), to: &bytes)
      default: append(v, to: &bytes)
      }
    case .float32(let v): append(v.bitPattern, to: &bytes)
    case .float64(let v): append(v.bitPattern, to: &bytes)
    case .bool(let v): bytes.append(v ? 1 : 0)
    case .string(let s): appendString(s, to: &bytes)
    case .array(let elements):
      append(elements.first.map(typeCode) ?? 0, to: &bytes)
      append(UInt64(elements.count), to: &bytes)
      for element in elements { appendValue(element, to: &bytes) }
    }
  }
}
