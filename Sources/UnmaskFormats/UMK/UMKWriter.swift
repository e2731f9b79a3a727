import Foundation
import UnmaskCore
import UnmaskKernels

/// Writes `.umk` files: tensors from any `TensorSource` plus embedded files, through an
/// `AtomicFileWriter`, so an interrupted or failed run never leaves a `.umk` (or a temporary
/// file) behind.
///
/// Layout written: preamble (placeholder, filled last) | embedded files | tensors (raw ones at
/// 4096-byte boundaries, planes-encoded ones packed at 8) | header.
public enum UMKWriter {
  /// The name under which the source's own safetensors header is embedded, so `export` can
  /// reproduce a single-file checkpoint byte for byte.
  public static let sourceHeaderBlob = "source.safetensors-header.json"

  /// Converts `weights` and `files` (name and contents, e.g. `config.json`) into a `.umk` at
  /// `destination`.
  ///
  /// A `.umk` source may be converted again: its quantized tensors are kept as they are, or
  /// dequantized and requantized (`--quantize`) or cast (`--dtype`), and each tensor keeps the
  /// source type recorded in the input file.
  public static func convert(
    weights: any TensorSource, files: [(name: String, data: Data)], to destination: URL,
    options: UMKConvertOptions, progress: ((UMKConvertProgress) -> Void)? = nil
  ) throws -> UMKConvertSummary {
    let start = DispatchTime.now().uptimeNanoseconds
    let seconds = { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    let out = try AtomicFileWriter(destination: destination)
    try out.write([UInt8](repeating: 0, count: UMKLayout.preambleSize))
    let blobs = try writeFiles(files, to: out, level: options.blobLevel)

    let views = try weights.tensorNames.map { try weights.tensor(named: $0) }
    let totalIn = views.reduce(0) { $0 + $1.bytes.count }
    let encoder = options.codec == .planes ? PlanesEncoder(options: options.encode) : nil
    let recorded = weights as? UMKFile
    var tensors: [UMKTensorEntry] = []
    var bytesIn = 0
    var quantized = 0
    let plan = options.quantize.plan(views.map { ($0.name, $0.dtype, $0.shape) })
    for view in views {
      let prepared = try prepare(
        view, quantizeTo: plan[view.name], options: options, location: weights.location)
      if prepared.dtype.isQuantized { quantized += 1 }
      // A tensor read from a .umk keeps the type of the checkpoint it first came from. One
      // that arrives quantized (a GGUF's Q4_K, Q8_0, ...) records F32, the float type `export`
      // widens it to: a source type is one safetensors can hold, so the reader refuses others.
      let source =
        recorded?.entry(named: view.name)?.sourceDType
        ?? (view.dtype.isQuantized ? .f32 : view.dtype)
      tensors.append(try writeTensor(prepared, sourceDType: source, encoder: encoder, to: out))
      bytesIn += view.bytes.count
      progress?(
        UMKConvertProgress(
          bytesIn: bytesIn, totalIn: totalIn, bytesOut: out.position, seconds: seconds()))
    }

    try writeHeader(blobs: blobs, tensors: tensors, to: out)
    let fileBytes = out.position
    try out.commit(sync: options.durable)
    return UMKConvertSummary(
      tensors: tensors.count, quantized: quantized, bytesIn: totalIn, fileBytes: fileBytes,
      seconds: seconds())
  }

  /// Step 1: the embedded files, each zstd-compressed when that makes it smaller.
  static func writeFiles(
    _ files: [(name: String, data: Data)], to out: AtomicFileWriter, level: Int
  ) throws -> [UMKBlobEntry] {
    let zstd = ZstdContext()
    var blobs: [UMKBlobEntry] = []
    for (name, data) in files {
      try out.pad(to: 8)
      let entry = try data.withUnsafeBytes { raw -> UMKBlobEntry in
        let room = UnsafeMutableRawBufferPointer.allocate(
          byteCount: ZstdContext.bound(raw.count), alignment: 16)
        defer { room.deallocate() }
        var codec = UMKPlaneCodec.raw
        var stored = raw
        if let n = zstd.compress(raw, into: room, level: level), n < raw.count,
          raw.count <= n * UMKLayout.maximumExpansion
        {
          codec = .zstd
          stored = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(room)[0..<n])
        }
        let entry = UMKBlobEntry(
          name: name, codec: codec, offset: out.position, storedLength: stored.count,
          length: raw.count, checksum: XXH64.hash(raw))
        try out.write(stored)
        return entry
      }
      blobs.append(entry)
    }
    return blobs
  }

  /// Step 2, once per tensor: planes-encoded (floats and integers, with an `encoder`) or raw
  /// and aligned (quantized blocks, or every tensor under `--codec raw`).
  static func writeTensor(
    _ prepared: PreparedTensor, sourceDType: DType, encoder: PlanesEncoder?,
    to out: AtomicFileWriter
  ) throws -> UMKTensorEntry {
    let view = prepared.view
    return try prepared.withBytes { bytes -> UMKTensorEntry in
      var entry = UMKTensorEntry(
        name: view.name, dtype: prepared.dtype, sourceDType: sourceDType, encoding: .raw,
        shape: view.shape, offset: 0, storedLength: bytes.count, checksum: XXH64.hash(bytes))
      guard let encoder, !prepared.dtype.isQuantized else {
        try out.pad(to: UMKLayout.alignment)
        entry.offset = out.position
        try out.write(bytes)
        return entry
      }
      try out.pad(to: 8)
      let width = prepared.dtype.blockBytes
      let transform: UMKTransform = prepared.dtype.isFloatingPoint ? .rotateSign : .none
      let chunkElements = encoder.options.chunkElements(forShape: view.shape)
      let (chunks, data) = encoder.encode(
        bytes,
        dtype: DTypeWidth(elements: bytes.count / width, width: width, transform: transform),
        chunkElements: chunkElements)
      entry.encoding = .planes
      entry.offset = out.position
      entry.planeCount = width
      entry.transform = transform
      entry.chunkElements = chunkElements
      var position = 0
      entry.chunks = chunks.map { chunk in
        var chunk = chunk
        chunk.offset = position
        position += chunk.storedLength
        return chunk
      }
      for piece in data { try out.write(piece) }
      entry.storedLength = out.position - entry.offset
      return entry
    }
  }

  /// Step 3: the header at the end, then the preamble at offset 0 that points at it.
  static func writeHeader(
    blobs: [UMKBlobEntry], tensors: [UMKTensorEntry], to out: AtomicFileWriter
  ) throws {
    try out.pad(to: 8)
    let header = UMKHeader(blobs: blobs, tensors: tensors).serialized()
    let headerOffset = out.position
    try out.write(header)
    let preamble = UMKPreamble(
      headerOffset: headerOffset, headerLength: header.count, headerChecksum: XXH64.hash(header),
      fileLength: out.position)
    try out.write(preamble.serialized(), at: 0)
  }
}
