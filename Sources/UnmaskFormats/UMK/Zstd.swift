import CZstd

/// libzstd one-shot frames through reusable contexts, one per worker (contexts are not
/// thread-safe). Keeps C types out of the rest of the module.
final class ZstdContext {
  private let cctx: OpaquePointer?
  private let dctx: OpaquePointer?

  init() {
    cctx = ZSTD_createCCtx()
    dctx = ZSTD_createDCtx()
  }

  deinit {
    ZSTD_freeCCtx(cctx)
    ZSTD_freeDCtx(dctx)
  }

  /// Worst-case compressed size of `count` bytes.
  static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }

  /// Compresses `source` into `destination` (room for `bound(source.count)`); returns the
  /// frame's length, or nil on failure.
  func compress(
    _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, level: Int
  ) -> Int? {
    let written = ZSTD_compressCCtx(
      cctx, destination.baseAddress, destination.count, source.baseAddress, source.count,
      Int32(level))
    return ZSTD_isError(written) != 0 ? nil : written
  }

  /// Decompresses one frame that must produce exactly `destination.count` bytes.
  func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer)
    -> Bool
  {
    guard let src = source.baseAddress else { return destination.isEmpty }
    let written = ZSTD_decompressDCtx(
      dctx, destination.baseAddress, destination.count, src, source.count)
    return ZSTD_isError(written) == 0 && written == destination.count
  }
}
