import Foundation
import UnmaskKernels

/// One worker's reusable state for decoding chunks.
final class ChunkDecoder {
  private let zstd = ZstdContext()
  private let huffman = HuffmanTables()
  private var planes: UnsafeMutablePointer<UInt8>
  private var capacity: Int

  init() {
    capacity = 0
    planes = .allocate(capacity: 1)
  }

  deinit { planes.deallocate() }

  private func reserve(_ bytes: Int) {
    guard bytes > capacity else { return }
    planes.deallocate()
    planes = .allocate(capacity: bytes)
    capacity = bytes
  }

  /// Decodes one chunk whose stored bytes are `stored` into `destination`; returns a
  /// description of the problem, or nil on success.
  func decode(
    _ chunk: UMKChunk, stored: UnsafeRawBufferPointer, width: Int, transform: UMKTransform,
    into destination: UnsafeMutableRawPointer, checkChecksum: Bool
  ) -> String? {
    let n = chunk.elements
    if checkChecksum, XXH64.hash(stored) != chunk.checksum {
      return "checksum mismatch in the stored bytes"
    }
    guard let base = stored.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
      return n == 0 ? nil : "no stored bytes"
    }
    // The common bf16 case (rANS exponent, raw mantissa) decodes straight into the output.
    if width == 2, transform == .rotateSign, chunk.codecs[0] == .rans, chunk.codecs[1] == .raw {
      let stream = UnsafeRawBufferPointer(start: base, count: chunk.lengths[0])
      let sink = Rotated16Sink(
        low: base + chunk.lengths[0], out: destination.assumingMemoryBound(to: UInt16.self))
      return RANS.decode(stream, count: n, sink: sink) ? nil : "plane 0: rANS stream is corrupt"
    }
    reserve(width * n)
    var pointers: [UnsafePointer<UInt8>] = []
    var offset = 0
    for k in 0..<width {
      let length = chunk.lengths[k]
      let source = UnsafeRawBufferPointer(start: base + offset, count: length)
      offset += length
      let target = planes + k * n
      switch chunk.codecs[k] {
      case .raw:
        pointers.append(base + offset - length)
        continue
      case .zstd:
        guard zstd.decompress(source, into: UnsafeMutableRawBufferPointer(start: target, count: n))
        else {
          return "plane \(k): zstd frame does not decode to \(n) bytes"
        }
      case .rans:
        guard RANS.decode(source, count: n, into: target) else {
          return "plane \(k): rANS stream is corrupt"
        }
      case .huffman:
        guard Huffman.decode(source, count: n, into: target, tables: huffman) else {
          return "plane \(k): Huffman stream is corrupt"
        }
      }
      pointers.append(UnsafePointer(target))
    }
    BytePlanes.merge(pointers, count: n, width: width, transform: transform, into: destination)
    return nil
  }
}

/// Decodes planes-encoded tensors, chunks in parallel across workers.
public enum PlanesDecoder {
  /// Decodes `entry` (whose stored bytes are `stored`, already checked to lie in the file)
  /// into `destination` (`entry.byteCount` bytes, aligned for the element type).
  /// `checkChunks` verifies each chunk's XXH64 before decoding it. `decoded`, if given, is
  /// called with each chunk's range in `stored` once that chunk is decoded (from any thread).
  ///
  /// Throws a `UMKParseError` naming the first bad chunk.
  static func decode(
    _ entry: UMKTensorEntry, stored: UnsafeRawBufferPointer,
    into destination: UnsafeMutableRawPointer,
    checkChunks: Bool, threads: Int = ComputeThreads.count,
    decoded: (@Sendable (Range<Int>) -> Void)? = nil
  ) throws {
    let chunkBytes = entry.chunkElements * entry.planeCount
    try forEachChunk(
      entry, stored: stored, checkChunks: checkChunks, threads: threads, decoded: decoded
    ) { c, _ in destination + c * chunkBytes }
  }

  /// Decodes every chunk of `entry` into a scratch chunk and drops the result: proves that
  /// each one decodes (and, with `checkChunks`, matches its checksum) without keeping the
  /// tensor, for tensors decoded again later a chunk at a time (`LazyPlanesTensor`).
  static func validate(
    _ entry: UMKTensorEntry, stored: UnsafeRawBufferPointer, checkChunks: Bool,
    threads: Int = ComputeThreads.count, decoded: (@Sendable (Range<Int>) -> Void)? = nil
  ) throws {
    let chunkBytes = entry.chunkElements * entry.planeCount
    let workers = max(1, min(threads, entry.chunks.count))
    let scratch = (0..<workers).map { _ in OwnedBytes(count: chunkBytes) }
    try forEachChunk(
      entry, stored: stored, checkChunks: checkChunks, threads: threads, decoded: decoded
    ) { _, worker in
      // swift-format-ignore: NeverForceUnwrap
      scratch[worker].bytes.baseAddress!
    }
  }

  /// Decodes the chunks of `entry`, spread over up to `threads` workers, chunk `c` of worker
  /// `w` into `destination(c, w)`.
  private static func forEachChunk(
    _ entry: UMKTensorEntry, stored: UnsafeRawBufferPointer, checkChunks: Bool, threads: Int,
    decoded: (@Sendable (Range<Int>) -> Void)?,
    destination: (Int, Int) -> UnsafeMutableRawPointer
  ) throws {
    let chunks = entry.chunks
    guard !chunks.isEmpty, let base = stored.baseAddress else { return }
    let active = max(1, min(threads, chunks.count))
    let failures = UnsafeMutableBufferPointer<String?>.allocate(capacity: chunks.count)
    failures.initialize(repeating: nil)
    defer {
      failures.deinitialize()
      failures.deallocate()
    }
    let width = entry.planeCount
    let transform = entry.transform
    DispatchQueue.concurrentPerform(iterations: active) { w in
      let decoder = ChunkDecoder()
      for c in stride(from: w, to: chunks.count, by: active) {
        let chunk = chunks[c]
        failures[c] = decoder.decode(
          chunk,
          stored: UnsafeRawBufferPointer(start: base + chunk.offset, count: chunk.storedLength),
          width: width, transform: transform, into: destination(c, w),
          checkChecksum: checkChunks)
        decoded?(chunk.offset..<(chunk.offset + chunk.storedLength))
      }
    }
    for (c, failure) in failures.enumerated() {
      if let failure { throw UMKParseError(field: entry.name, "chunk \(c): \(failure)") }
    }
  }
}
