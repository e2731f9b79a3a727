import CUnmaskKernels

/// Memory whose pages can be handed back to the OS and read again later: a checkpoint mapped
/// from its file (`MappedFile`).
public protocol ReleasableMemory: AnyObject {
  /// Stops counting the pages under `part` (a slice of this memory) as resident; a later read
  /// brings them back from the file.
  func release(_ part: UnsafeRawBufferPointer)
}

/// A bf16 weight's panels for `--numerics fast`'s `vdpbf16ps` GEMM (`uk_bf16_panels`): 64 rows
/// of `W` by 256 pairs of `in`, pair-major, packed by the first product that reads each and
/// kept. The GEMM otherwise transposes every panel again in every call, from rows 8 KiB apart
/// (at LLaDA-8B's width), which cost a quarter of its speed at 64 rows and 4-5% at 256 (C
/// harness over the 8B checkpoint's mapped file, 1 thread).
///
/// Kept only for weights read in place from a file: once a tile of rows is packed, its pages are
/// handed back (`ReleasableMemory`), so the panels take the file pages' place in memory rather
/// than adding to it. Any other path still reads `W` (its pages then come back from the file).
final class BF16Panels: @unchecked Sendable {
  let handle: OpaquePointer
  private let file: any ReleasableMemory

  /// Panels for `weight`, or nil when it is not bf16 `[n, k]` with k even, read from a file.
  init?(_ weight: TensorView) {
    guard weight.dtype == .bf16, weight.shape.count == 2,
      let file = weight.owner as? any ReleasableMemory,
      let handle = uk_bf16_panels_new(weight.shape[0], weight.shape[1])
    else { return nil }
    self.handle = handle
    self.file = file
  }

  deinit { uk_bf16_panels_free(handle) }

  /// Packs every panel now, over the threads, handing back each tile's file pages: at load,
  /// so that the first step costs what the others do. At LLaDA-8B's size the panels' fresh
  /// memory costs more than the packing (page faults and zeroing, and the page cache giving
  /// way on a machine without room for both copies).
  func pack(_ weight: TensorView) {
    guard let base = weight.bytes.baseAddress else { return }
    let w = base.assumingMemoryBound(to: UInt16.self)
    let item = Linear.workItem(.avx512BF16, .bf16)
    Linear.forEachTile(weight.shape[0], panel: item.panel, tile: item.tile) { n0, n1 in
      if uk_bf16_panels_pack(KernelPath.avx512BF16.cPath, handle, w, n0, n1) == 1 {
        releaseRows(n0..<n1, of: weight)
      }
    }
  }

  /// Hands back the file pages of `weight`'s rows `rows`, whose panels are packed.
  func releaseRows(_ rows: Range<Int>, of weight: TensorView) {
    let rowBytes = weight.shape[1] * 2
    file.release(
      UnsafeRawBufferPointer(
        rebasing: weight.bytes[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)]))
  }
}
