import Foundation

/// What `verify` checked.
public struct UMKVerifyReport: Sendable {
  /// Tensors whose checksums matched.
  public var tensors = 0
  /// Embedded files whose checksums matched.
  public var blobs = 0
  /// Chunks whose checksums matched.
  public var chunks = 0
  /// Decoded tensor bytes hashed.
  public var bytes = 0
}

extension UMKFile {
  /// Checks every checksum in the file: each embedded file, each chunk's stored bytes, and
  /// each tensor's decoded bytes. Throws a `CheckpointError` naming the first bad item.
  ///
  /// - Parameter progress: called after each tensor with the decoded bytes checked so far.
  public func verify(progress: ((Int) -> Void)? = nil) throws -> UMKVerifyReport {
    var report = UMKVerifyReport()
    for blob in header.blobs {
      _ = try self.blob(named: blob.name)
      report.blobs += 1
    }
    for entry in header.tensors {
      let digest: UInt64
      switch entry.encoding {
      case .raw:
        digest = XXH64.hash(file.slice(entry.offset..<(entry.offset + entry.storedLength)))
      case .planes:
        let owned = try decode(entry, checkChunks: true)
        digest = XXH64.hash(
          UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(owned.bytes)[0..<entry.byteCount])
        )
        report.chunks += entry.chunks.count
      }
      guard digest == entry.checksum else {
        throw CheckpointError(
          path: location, item: entry.name,
          String(
            format: "checksum mismatch: decoded bytes hash to %016llx, the table says %016llx",
            digest, entry.checksum))
      }
      report.tensors += 1
      report.bytes += entry.byteCount
      progress?(report.bytes)
    }
    return report
  }
}
