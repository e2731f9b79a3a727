extension GGUFFile {
  /// What `unmask inspect` prints for a GGUF: the version and parts, every metadata key with
  /// its type and value (arrays summarised: their length and first elements), each tensor's
  /// ggml type, shape and bytes, and the totals per type.
  public func summaryLines() -> [String] {
    var lines = [
      "\(location): GGUF version \(header.version), \(parts.count) part(s), "
        + "\(parts.map(\.file.count).reduce(0, +)) bytes, alignment \(header.alignment)"
    ]
    lines.append("metadata (\(header.metadata.count) keys):")
    for (key, value) in header.metadata {
      lines.append("  \(key) (\(value.typeName)) = \(value.summary)")
    }
    lines.append("tensors (\(tensorNames.count)):")
    var perType: [String: (count: Int, bytes: Int)] = [:]
    for part in parts {
      for t in part.header.tensors {
        let bytes = t.range.count
        lines.append(
          "  \(t.name)  \(t.type)  \(t.shape)  \(bytes) bytes"
            + (t.type.dtype == nil ? "  (not computed yet)" : ""))
        perType[t.type.name, default: (0, 0)].count += 1
        perType[t.type.name, default: (0, 0)].bytes += bytes
      }
    }
    for (name, total) in perType.sorted(by: { $0.key < $1.key }) {
      lines.append("\(name): \(total.count) tensors, \(total.bytes) bytes")
    }
    return lines
  }
}
