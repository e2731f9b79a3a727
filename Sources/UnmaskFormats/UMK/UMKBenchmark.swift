import Foundation
import UnmaskKernels

/// Measurements behind `unmask bench convert`: each codec's size and speed on the same
/// tensors in the same run, so figures are comparable on whatever machine runs them.
public enum UMKBenchmark {
  /// One codec's figures.
  public struct Figures: Sendable {
    /// What was measured.
    public var name: String
    /// Compressed bytes (file size for `.umk` variants).
    public var bytes: Int
    /// Compression throughput, MB/s of tensor bytes.
    public var compressMBps: Double
    /// Decompression throughput, MB/s of tensor bytes.
    public var decompressMBps: Double
  }

  /// Plain zstd at `level` on each tensor's bytes (one frame per tensor, one thread), plus the
  /// safetensors header: what `zstd -level` on the file would roughly give.
  public static func plainZstd(_ source: any TensorSource, level: Int, headerBytes: Int) throws
    -> Figures
  {
    let context = ZstdContext()
    var total = headerBytes
    var input = 0
    var compressTime = 0.0
    var decompressTime = 0.0
    for name in source.tensorNames {
      let view = try source.tensor(named: name)
      let room = UnsafeMutableRawBufferPointer.allocate(
        byteCount: ZstdContext.bound(view.bytes.count), alignment: 64)
      let back = UnsafeMutableRawBufferPointer.allocate(
        byteCount: max(view.bytes.count, 1), alignment: 64)
      defer {
        room.deallocate()
        back.deallocate()
      }
      var t = now()
      let n = context.compress(view.bytes, into: room, level: level) ?? view.bytes.count
      compressTime += now() - t
      t = now()
      _ = context.decompress(
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(room)[0..<n]),
        into: UnsafeMutableRawBufferPointer(rebasing: back[0..<view.bytes.count]))
      decompressTime += now() - t
      total += n
      input += view.bytes.count
    }
    return Figures(
      name: "zstd-\(level) (plain, per tensor)", bytes: total,
      compressMBps: Double(input) / 1e6 / compressTime,
      decompressMBps: Double(input) / 1e6 / decompressTime)
  }

  /// Converts `source` to a `.umk` at `url` with `options` (weights only, no embedded files)
  /// and decodes every tensor back with `threads` threads, timing both.
  public static func umk(
    _ source: any TensorSource, to url: URL, options: UMKConvertOptions, name: String, threads: Int
  ) throws -> Figures {
    let summary = try UMKWriter.convert(weights: source, files: [], to: url, options: options)
    let file = try UMKFile(url: url)
    var decodeTime = 0.0
    for entry in file.header.tensors where entry.encoding == .planes {
      let t = now()
      let owned = try file.decode(entry, checkChunks: true, threads: threads)
      decodeTime += now() - t
      withExtendedLifetime(owned) {}
    }
    return Figures(
      name: name, bytes: summary.fileBytes,
      compressMBps: Double(summary.bytesIn) / 1e6 / summary.seconds,
      decompressMBps: Double(summary.bytesIn) / 1e6 / max(decodeTime, 1e-9))
  }

  /// Seconds on a monotonic clock.
  public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
