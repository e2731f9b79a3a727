import Foundation
import UnmaskKernels

/// Writes `.umk` files: tensors from any `TensorSource` plus embedded files, to a temporary
/// file beside the destination that is renamed into place only when complete, so an
/// interrupted run never leaves a `.umk` behind.
///
/// Layout written: preamble (placeholder, filled last) | embedded files | tensors (raw ones at
/// 4096-byte boundaries, planes-encoded ones packed at 8) | header.
public enum UMKWriter {
  /// The name under which the source's own safetensors header is embedded, so `export` can
  /// reproduce a single-file checkpoint byte for byte.
  public static let sourceHeaderBlob = "source.safetensors-header.json"

  /// Converts `weights` and `files` (name and contents, e.g. `config.json`) into a `.umk` at
  /// `destination`.
  public static func convert(
    weights: any TensorSource, files: [(name: String, data: Data)], to destination: URL,
    options: UMKConvertOptions, progress: ((UMKConvertProgress) -> Void)? = nil
  ) throws -> UMKConvertSummary {
    let start = DispatchTime.now().uptimeNanoseconds
    let seconds = { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    let temporary = destination.path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
    var finished = false
    defer { if !finished { try? FileManager.default.removeItem(atPath: temporary) } }
    let sink = try FileSink(path: temporary)
    try sink.write([UInt8](repeating: 0, count: UMKLayout.preambleSize))

    var blobs: [UMKBlobEntry] = []
    let zstd = ZstdContext()
    for (name, data) in files {
      try sink.pad(to: 8)
      let entry = try data.withUnsafeBytes { raw -> UMKBlobEntry in
        let room = UnsafeMutableRawBufferPointer.allocate(
          byteCount: ZstdContext.bound(raw.count), alignment: 16)
        defer { room.deallocate() }
        var codec = UMKPlaneCodec.raw
        var stored = raw
        if let n = zstd.compress(raw, into: room, level: options.blobLevel), n < raw.count,
          raw.count <= n * UMKLayout.maximumExpansion
        {
          codec = .zstd
          stored = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(room)[0..<n])
        }
        let entry = UMKBlobEntry(
          name: name, codec: codec, offset: sink.position, storedLength: stored.count,
          length: raw.count,
          checksum: XXH64.hash(raw))
        try sink.write(stored)
        return entry
      }
      blobs.append(entry)
    }

    let names = weights.tensorNames
    var views: [TensorView] = []
    var totalIn = 0
    for name in names {
      let view = try weights.tensor(named: name)
      views.append(view)
      totalIn += view.bytes.count
    }
    let encoder = options.codec == .zstd ? PlanesEncoder(options: options.encode) : nil
    var tensors: [UMKTensorEntry] = []
    var bytesIn = 0
    var quantized = 0
    for view in views {
      let prepared = try prepare(view, options: options, location: weights.location)
      if prepared.dtype.isQuantized { quantized += 1 }
      let entry = try prepared.withBytes { bytes -> UMKTensorEntry in
        var entry = UMKTensorEntry(
          name: view.name, dtype: prepared.dtype, sourceDType: view.dtype, encoding: .raw,
          shape: view.shape,
          offset: 0, storedLength: bytes.count, checksum: XXH64.hash(bytes))
        if let encoder, !prepared.dtype.isQuantized {
          try sink.pad(to: 8)
          let width = prepared.dtype.blockBytes
          let (chunks, data) = encoder.encode(
            bytes,
            dtype: DTypeWidth(
              elements: bytes.count / width, width: width,
              transform: prepared.dtype.isFloatingPoint ? .rotateSign : .none))
          entry.encoding = .planes
          entry.offset = sink.position
          entry.planeCount = width
          entry.transform = prepared.dtype.isFloatingPoint ? .rotateSign : .none
          entry.chunkElements = encoder.options.chunkElements
          var position = 0
          entry.chunks = chunks.map { chunk in
            var chunk = chunk
            chunk.offset = position
            position += chunk.storedLength
            return chunk
          }
          for piece in data { try sink.write(piece) }
          entry.storedLength = sink.position - entry.offset
        } else {
          try sink.pad(to: UMKLayout.alignment)
          entry.offset = sink.position
          try sink.write(bytes)
        }
        return entry
      }
      tensors.append(entry)
      bytesIn += view.bytes.count
      progress?(
        UMKConvertProgress(
          bytesIn: bytesIn, totalIn: totalIn, bytesOut: sink.position, seconds: seconds()))
    }

    try sink.pad(to: 8)
    let header = UMKHeader(blobs: blobs, tensors: tensors).serialized()
    let headerOffset = sink.position
    try sink.write(header)
    let preamble = UMKPreamble(
      headerOffset: headerOffset, headerLength: header.count, headerChecksum: XXH64.hash(header),
      fileLength: sink.position)
    try sink.write(preamble.serialized(), at: 0)
    if options.durable { try sink.sync() }
    let fileBytes = sink.position
    // rename(2) replaces the destination atomically.
    guard rename(temporary, destination.path) == 0 else {
      throw CheckpointError(
        path: destination.path,
        "cannot move the finished file into place: \(String(cString: strerror(errno)))")
    }
    finished = true
    return UMKConvertSummary(
      tensors: tensors.count, quantized: quantized, bytesIn: totalIn, fileBytes: fileBytes,
      seconds: seconds())
  }
}
