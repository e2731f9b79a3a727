import Foundation

/// How the writer chooses a codec for each plane of each chunk.
public enum UMKPlanePolicy: String, Sendable, CaseIterable {
  /// Histogram first: planes near 8 bits/byte are stored raw; others get rANS and zstd, and
  /// the smaller wins. Fast and within a fraction of a percent of the entropy bound.
  case auto
  /// zstd on every plane (raw if zstd does not shrink it): the "byte-split zstd" baseline.
  case zstdOnly
}

/// The entropy coder for planes well below 8 bits per byte (exponents).
public enum UMKEntropyCoder: String, Sendable, CaseIterable {
  /// Canonical Huffman: files about 0.2% of the original size larger than rANS, several times
  /// faster to decode (one table lookup emits three to five exponents).
  case huffman
  /// Order-0 rANS: within 0.05% of the order-0 entropy bound, slower to decode.
  case rans

  /// The plane codec it writes.
  var codec: UMKPlaneCodec { self == .huffman ? .huffman : .rans }
}

/// Settings for planes-encoded tensors.
public struct UMKEncodeOptions: Sendable {
  /// zstd level for planes that try zstd.
  public var level: Int = 3
  /// Codec choice per plane.
  public var policy: UMKPlanePolicy = .auto
  /// Entropy coder `.auto` tries on skewed planes.
  public var entropy: UMKEntropyCoder = .huffman
  /// Elements per chunk (each chunk decodes alone; 128 Ki elements is 256 KiB of bf16); the
  /// chunks of a matrix are rounded to whole rows (`chunkElements(forShape:)`).
  public var chunkElements: Int = 1 << 17
  /// Worker threads (default: all cores).
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  /// Default options.
  public init() {}
}

extension UMKEncodeOptions {
  /// Elements per chunk for a tensor of `shape`: for a matrix (or a stack of them), whole rows
  /// of its last dimension, at most `chunkElements` (a multiple of 32 rows when that is 32 or
  /// more; 32 rows for rows of 2048 or more elements however wide), and dividing each matrix of
  /// a stack. `Linear` can then decode a weight's rows a chunk at a time inside its GEMM
  /// (`--resident compressed`): 128 rows of a 1024-wide weight, 32 of a 4096- or 12288-wide
  /// one. Vectors, and rows wider than the
  /// format's largest chunk, and tensors that fit in one chunk keep `chunkElements`.
  public func chunkElements(forShape shape: [Int]) -> Int {
    let limit = UMKLayout.chunkElementRange.upperBound
    // A tensor that fits in one chunk is one chunk either way (and its entry is unchanged).
    guard shape.count >= 2, let row = shape.last, row > 0, row <= limit,
      shape.reduce(1, *) > chunkElements
    else { return chunkElements }
    let target = max(1, chunkElements / row)
    // Whole panels of 32 rows for the GEMM that consumes a chunk: a multiple of 32 within the
    // target, or 32 for wide rows whose target is fewer (LLaDA-8B's 12288-wide `ff_out`: tiles of
    // 10-row chunks ran a 64-column remainder beside each 96-column group, 12% slower at 8B).
    var rows =
      target >= 32 ? target / 32 * 32 : row >= 2048 && 32 * row <= limit ? 32 : target
    // One matrix of a stack (an expert) is a chunk or a whole number of them.
    let matrixRows = shape[shape.count - 2]
    rows = max(1, min(rows, matrixRows))
    while shape.count > 2, matrixRows % rows != 0 {
      rows -= rows > 32 ? 32 : 1
    }
    return rows * row
  }
}

/// One worker's reusable state for encoding chunks: a zstd context and scratch buffers.
final class ChunkEncoder {
  private let zstd = ZstdContext()
  private var planes: UnsafeMutablePointer<UInt8>
  private var scratch: UnsafeMutablePointer<UInt8>
  private var scratchCapacity: Int
  private var chunkElements: Int
  /// Bytes of a plane zstd compresses first to judge whether the whole plane is worth it.
  static let probe = 16384

  init(chunkElements: Int) {
    self.chunkElements = chunkElements
    planes = .allocate(capacity: 8 * chunkElements)
    scratchCapacity = max(ZstdContext.bound(chunkElements), 2 * chunkElements + 1024)
    scratch = .allocate(capacity: scratchCapacity)
  }

  deinit {
    planes.deallocate()
    scratch.deallocate()
  }

  /// Grows the buffers for chunks of up to `elements` elements.
  func reserve(_ elements: Int) {
    guard elements > chunkElements else { return }
    planes.deallocate()
    scratch.deallocate()
    chunkElements = elements
    planes = .allocate(capacity: 8 * elements)
    scratchCapacity = max(ZstdContext.bound(elements), 2 * elements + 1024)
    scratch = .allocate(capacity: scratchCapacity)
  }

  /// Encodes `elements` (at most `chunkElements`) elements of `width` bytes at `source`.
  func encode(
    _ source: UnsafeRawPointer, elements n: Int, width: Int, transform: UMKTransform,
    options: UMKEncodeOptions
  ) -> (UMKChunk, [UInt8]) {
    BytePlanes.split(source, count: n, width: width, transform: transform, into: planes)
    var out: [UInt8] = []
    out.reserveCapacity(n * width)
    var codecs: [UMKPlaneCodec] = []
    var lengths: [Int] = []
    for k in 0..<width {
      let plane = planes + k * n
      var best: (codec: UMKPlaneCodec, length: Int) = (.raw, n)
      var bestBytes = UnsafeRawBufferPointer(start: plane, count: n)
      var tryZstd: Bool
      switch options.policy {
      case .zstdOnly:
        tryZstd = true
      case .auto:
        let histogram = RANS.histogram(plane, count: n)
        let estimate = RANS.estimatedSize(histogram: histogram, count: n)
        // A plane already near 8 bits per byte (mantissas) is not worth a compressor's time.
        tryZstd = estimate < n - n / 32 || transform == .none
        if estimate < n - n / 32,
          let length = entropyCode(plane, count: n, histogram: histogram, options.entropy)
        {
          best = (options.entropy.codec, length)
          bestBytes = UnsafeRawBufferPointer(start: scratch, count: length)
        }
      }
      // zstd only wins over order-0 rANS on planes with repeats (constant runs, structured
      // integers). A 16 KiB probe decides whether the whole plane is worth zstd's time.
      if tryZstd, options.policy == .auto, best.codec != .raw, n > 4 * Self.probe {
        let room = UnsafeMutableRawBufferPointer(
          start: scratch + best.length, count: scratchCapacity - best.length)
        let sample = UnsafeRawBufferPointer(start: plane, count: Self.probe)
        let probeLength = zstd.compress(sample, into: room, level: options.level) ?? Self.probe
        if Double(probeLength) > 0.97 * Double(best.length) * Double(Self.probe) / Double(n) {
          tryZstd = false
        }
      }
      if tryZstd && options.level != 0 {
        // zstd writes after the entropy-coded stream in the same scratch when that is the
        // current best.
        let offset = best.codec != .raw ? best.length : 0
        let room = UnsafeMutableRawBufferPointer(
          start: scratch + offset, count: scratchCapacity - offset)
        if room.count >= ZstdContext.bound(n),
          let length = zstd.compress(
            UnsafeRawBufferPointer(start: plane, count: n), into: room, level: options.level),
          length < best.length, n <= length * UMKLayout.maximumExpansion
        {
          best = (.zstd, length)
          bestBytes = UnsafeRawBufferPointer(start: scratch + offset, count: length)
        }
      }
      out.append(contentsOf: bestBytes)
      codecs.append(best.codec)
      lengths.append(best.length)
    }
    let checksum = out.withUnsafeBytes { XXH64.hash($0) }
    return (UMKChunk(checksum: checksum, codecs: codecs, lengths: lengths), out)
  }

  /// The plane entropy-coded into `scratch`: its length, or nil if no smaller than raw.
  private func entropyCode(
    _ plane: UnsafePointer<UInt8>, count n: Int, histogram: [Int], _ coder: UMKEntropyCoder
  ) -> Int? {
    switch coder {
    case .huffman:
      return Huffman.encode(
        plane, count: n, histogram: histogram, into: scratch, capacity: scratchCapacity,
        limit: n - 1)
    case .rans:
      return RANS.encode(
        plane, count: n, histogram: histogram, into: scratch, capacity: scratchCapacity,
        limit: n - 1)
    }
  }
}

/// Encodes whole tensors into chunks in parallel, keeping one `ChunkEncoder` per worker.
public final class PlanesEncoder {
  /// The settings in use.
  public let options: UMKEncodeOptions
  private let workers: [ChunkEncoder]

  /// An encoder with `options` (chunk size clamped to the format's range).
  public init(options: UMKEncodeOptions) {
    var options = options
    options.chunkElements = min(
      max(options.chunkElements, UMKLayout.chunkElementRange.lowerBound),
      UMKLayout.chunkElementRange.upperBound)
    options.threads = max(1, options.threads)
    self.options = options
    workers = (0..<options.threads).map { _ in ChunkEncoder(chunkElements: options.chunkElements) }
  }

  /// Encodes `bytes` (`elements` elements of `dtype`) in chunks of `chunkElements` (default
  /// `options.chunkElements`, within the format's range): chunk records and their bytes, in
  /// order.
  public func encode(
    _ bytes: UnsafeRawBufferPointer, dtype: DTypeWidth, chunkElements: Int? = nil
  ) -> (chunks: [UMKChunk], data: [[UInt8]]) {
    let n = dtype.elements
    let per = min(
      max(chunkElements ?? options.chunkElements, UMKLayout.chunkElementRange.lowerBound),
      UMKLayout.chunkElementRange.upperBound)
    for worker in workers { worker.reserve(per) }
    let count = (n + per - 1) / per
    let results = UnsafeMutableBufferPointer<(UMKChunk, [UInt8])?>.allocate(capacity: max(count, 1))
    results.initialize(repeating: nil)
    defer {
      results.deinitialize()
      results.deallocate()
    }
    guard let base = bytes.baseAddress, count > 0 else { return ([], []) }
    let active = min(workers.count, count)
    let options = self.options
    let workers = self.workers
    DispatchQueue.concurrentPerform(iterations: active) { w in
      for c in stride(from: w, to: count, by: active) {
        let first = c * per
        let elements = min(per, n - first)
        results[c] = workers[w].encode(
          base + first * dtype.width, elements: elements, width: dtype.width,
          transform: dtype.transform, options: options)
      }
    }
    var chunks: [UMKChunk] = []
    var data: [[UInt8]] = []
    for case let (chunk, bytes)? in results {
      chunks.append(chunk)
      data.append(bytes)
    }
    return (chunks, data)
  }
}

/// Element count, width and transform of a tensor to encode as planes.
public struct DTypeWidth: Sendable {
  /// Number of elements.
  public var elements: Int
  /// Bytes per element (planes).
  public var width: Int
  /// Transform before the split.
  public var transform: UMKTransform

  /// A description of `elements` elements of `width` bytes.
  public init(elements: Int, width: Int, transform: UMKTransform) {
    self.elements = elements
    self.width = width
    self.transform = transform
  }
}
