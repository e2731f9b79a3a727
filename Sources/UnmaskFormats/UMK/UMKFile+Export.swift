import Foundation
import UnmaskCore
import UnmaskKernels

/// How `exportSafetensors` laid out the file.
public enum UMKExportLayout: Sendable {
  /// Byte-identical to the source checkpoint (its header was embedded and every tensor is
  /// lossless).
  case original
  /// A fresh header: tensors sorted by name, metadata kept.
  case canonical
}

extension UMKFile {
  /// Writes the tensors back as one `.safetensors` file through an `AtomicFileWriter`
  /// (temporary file, then rename; nothing is left behind on failure or Ctrl-C).
  ///
  /// Lossless tensors are written bit-exact, each checked against its XXH64; quantized ones
  /// are dequantized to their source type. When the source's own header is embedded and the
  /// file is lossless, the output is the original file byte for byte.
  public func exportSafetensors(to url: URL) throws -> UMKExportLayout {
    let lossless = header.tensors.allSatisfy { $0.dtype == $0.sourceDType }
    let original = try blob(named: UMKWriter.sourceHeaderBlob)
    var layout: [(name: String, range: Range<Int>)]? = nil
    if lossless, let original { layout = originalLayout(original) }
    let headerBytes: Data
    let placement: [(name: String, range: Range<Int>)]
    if let layout, let original {
      headerBytes = original
      placement = layout
    } else {
      let metadata =
        original.flatMap { JSONValue.parse($0)?.objectValue?["__metadata__"]?.objectValue } ?? [:]
      (headerBytes, placement) = canonicalHeader(metadata: metadata)
    }
    let out = try AtomicFileWriter(destination: url)
    var length = UInt64(headerBytes.count).littleEndian
    try withUnsafeBytes(of: &length) { try out.write($0) }
    try out.write(headerBytes)
    let dataStart = out.position
    for (name, range) in placement.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
      let gap = dataStart + range.lowerBound - out.position
      if gap > 0 { try out.write([UInt8](repeating: 0, count: gap)) }
      try exportBytes(name) { try out.write($0) }
    }
    try out.commit(sync: true)
    return layout == nil ? .canonical : .original
  }

  /// Calls `body` with tensor `name`'s bytes as safetensors stores them (checked against the
  /// tensor's XXH64; dequantized to the source type if quantized).
  func exportBytes(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    guard let entry = entry(named: name) else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    // Decoded without caching, so exporting a large model holds one tensor at a time.
    let owned = entry.encoding == .planes ? try decode(entry, checkChunks: true) : nil
    let bytes =
      owned.map {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0.bytes)[0..<entry.byteCount])
      }
      ?? file.slice(entry.offset..<(entry.offset + entry.storedLength))
    let view = TensorView(
      name: name, dtype: entry.dtype, shape: entry.shape, bytes: bytes, owner: owned ?? file)
    guard XXH64.hash(view.bytes) == entry.checksum else {
      throw CheckpointError(path: location, item: name, "checksum mismatch")
    }
    defer { withExtendedLifetime(owned) {} }
    guard entry.dtype.isQuantized else { return try body(view.bytes) }
    let values = view.floats()
    switch entry.sourceDType {
    case .bf16:
      try values.map { FloatConversion.bfloat16(from: $0).littleEndian }.withUnsafeBytes(body)
    case .f16:
      try values.map { FloatConversion.float16(from: $0).littleEndian }.withUnsafeBytes(body)
    case .f64:
      try values.map { Double($0) }.withUnsafeBytes(body)
    default:
      try values.withUnsafeBytes(body)
    }
  }

  /// The data placement of the embedded source header, if it describes exactly this file's
  /// tensors (same names, dtypes, shapes and sizes); nil otherwise.
  private func originalLayout(_ data: Data) -> [(name: String, range: Range<Int>)]? {
    guard let table = JSONValue.parse(data)?.objectValue else { return nil }
    var placement: [(name: String, range: Range<Int>)] = []
    for (name, value) in table where name != "__metadata__" {
      guard let object = value.objectValue, let entry = entry(named: name),
        object["dtype"]?.stringValue == entry.dtype.rawValue,
        object["shape"]?.integerArray == entry.shape,
        let offsets = object["data_offsets"]?.integerArray, offsets.count == 2, offsets[0] >= 0,
        offsets[1] - offsets[0] == entry.byteCount
      else { return nil }
      placement.append((name, offsets[0]..<offsets[1]))
    }
    guard placement.count == header.tensors.count else { return nil }
    let sorted = placement.sorted { $0.range.lowerBound < $1.range.lowerBound }
    for (a, b) in zip(sorted, sorted.dropFirst()) where b.range.lowerBound < a.range.upperBound {
      return nil
    }
    return placement
  }

  private func canonicalHeader(metadata: [String: JSONValue]) -> (
    Data, [(name: String, range: Range<Int>)]
  ) {
    var parts: [String] = []
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().compactMap { key in
        metadata[key]?.stringValue.map { "\(jsonString(key)):\(jsonString($0))" }
      }
      parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
    }
    var placement: [(name: String, range: Range<Int>)] = []
    var offset = 0
    for name in tensorNames {
      guard let entry = entry(named: name) else { continue }
      let dtype = entry.dtype.isQuantized ? entry.sourceDType : entry.dtype
      let size = dtype.storageSize(elements: entry.elementCount) ?? 0
      placement.append((name, offset..<(offset + size)))
      let shape = entry.shape.map(String.init).joined(separator: ",")
      parts.append(
        "\(jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}"
      )
      offset += size
    }
    var text = "{" + parts.joined(separator: ",") + "}"
    while text.utf8.count % 8 != 0 { text += " " }
    return (Data(text.utf8), placement)
  }
}

/// `s` as a JSON string literal.
func jsonString(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 {
        out += String(format: "\\u%04x", scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}
