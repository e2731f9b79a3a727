import Foundation
import UnmaskKernels

/// A compressed `.umk` tensor kept compressed (`WeightResidency.compressed`): `Linear` decodes
/// its chunks straight into a scratch tile for each product (`BlockDecodable`), so the weights'
/// resident memory is the compressed file (about 66% of bf16) rather than a decoded copy.
/// Readers that ask for bytes instead (an embedding table's rows through `convertRows`) get
/// them as from a `LazyPlanesTensor`: decoded into its pages once, where they are read.
///
/// Every chunk is checked (and decoded once into scratch) when the tensor is made, so the
/// decodes during generation read bytes already known to be good.
final class StreamedPlanesTensor: LazyPlanesTensor, BlockDecodable, @unchecked Sendable {
  var blockBytes: Int { chunkBytes }
  var byteCount: Int { entry.byteCount }

  func decodeBlock(_ b: Int, into destination: UnsafeMutableRawPointer) {
    let decoder = ChunkDecoder.borrow()
    defer { ChunkDecoder.giveBack(decoder) }
    decodeChunk(b, into: destination, with: decoder)
  }
}

extension ChunkDecoder {
  private static let poolLock = NSLock()
  nonisolated(unsafe) private static var pool: [ChunkDecoder] = []

  /// A decoder from the pool shared by every streamed tensor (one per thread that decodes at
  /// once, not one per tensor: each holds a zstd context and plane buffers).
  static func borrow() -> ChunkDecoder {
    poolLock.lock()
    defer { poolLock.unlock() }
    return pool.popLast() ?? ChunkDecoder()
  }

  /// Returns a decoder taken with `borrow()`.
  static func giveBack(_ decoder: ChunkDecoder) {
    poolLock.lock()
    pool.append(decoder)
    poolLock.unlock()
  }
}
