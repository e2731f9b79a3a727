import CUnmaskKernels

/// `Linear` over a weight kept compressed (`--resident compressed`): each work item decodes
/// its rows of `W` into a scratch tile and runs the f32/bf16 GEMM on that tile while it is in
/// cache, so no decoded copy of the weight is ever resident.
///
/// The tile holds whole blocks of the compressed tensor (`BlockDecodable`); a weight whose rows
/// do not fall on block boundaries (a file written with chunks that cut rows) is decoded whole
/// on first use instead, as any on-demand weight. The GEMM is the one `applyThroughKernels`
/// runs, and every output sums its inputs in the same order whatever columns share a tile, so
/// the result is bit-identical to the decoded weight's.
extension Linear {
  /// How a streamed weight's rows fall on its owner's blocks.
  struct StreamedRows {
    let source: any BlockDecodable
    /// The owner's block holding this weight's row 0.
    let firstBlock: Int
    /// Rows of `W` per block.
    let rowsPerBlock: Int
  }

  /// The blocks of the weight, when it is streamed and its rows can be cut along them: f32 or
  /// bf16 rows, a block a whole number of rows, the view starting on a block boundary and
  /// ending on one or at the tensor's end.
  var streamedRows: StreamedRows? {
    guard let source = weight.owner as? any BlockDecodable,
      weight.dtype == .f32 || weight.dtype == .bf16,
      let base = weight.bytes.baseAddress, source.blockBytes > 0
    else { return nil }
    let rowBytes = inFeatures * weight.dtype.blockBytes
    let offset = base - source.firstByte
    let end = offset + weight.bytes.count
    // A tensor of one block is that block, however large the format's chunk size is.
    let blockBytes = min(source.blockBytes, source.byteCount)
    guard rowBytes > 0, blockBytes % rowBytes == 0, offset % blockBytes == 0,
      end % blockBytes == 0 || end == source.byteCount
    else { return nil }
    return StreamedRows(
      source: source, firstBlock: offset / blockBytes, rowsPerBlock: blockBytes / rowBytes)
  }

  /// `y[T, out] = x[T, in] · Wᵀ` on `path` (not `.blas`), decoding `W` a tile at a time.
  func applyStreamed(
    _ stream: StreamedRows, _ path: KernelPath, _ x: UnsafePointer<Float>, rows: Int,
    into y: UnsafeMutablePointer<Float>
  ) {
    let k = inFeatures
    let n = outFeatures
    let c = path.cPath
    let rowBytes = k * weight.dtype.blockBytes
    let blockBytes = stream.rowsPerBlock * rowBytes
    // A work item is at least a tile of rows (`Linear.workItem`; a block of the 120M model's
    // weights is 128 rows, of LLaDA-8B's 32) and, where a few more blocks allow, a whole number
    // of panels, so that its GEMM runs full panels (10-row blocks of an older file: 16 to an
    // item, not 10).
    let rowsPerBlock = stream.rowsPerBlock
    let item = Linear.workItem(path, weight.dtype)
    let fewest = max(1, (item.tile + rowsPerBlock - 1) / rowsPerBlock)
    let blocksPerItem =
      (fewest...(2 * fewest)).first { $0 * rowsPerBlock % item.panel == 0 } ?? fewest
    let itemRows = blocksPerItem * rowsPerBlock
    let items = (n + itemRows - 1) / itemRows
    let isF32 = weight.dtype == .f32
    withFloatActivations(path, x, rows: rows) { xs, ldx, xb in
      ComputeThreads.parallelForEach(items) { i in
        let r0 = i * itemRows
        let r1 = min(n, r0 + itemRows)
        ScratchBuffers.with(byteCount: itemRows * rowBytes) { tile in
          let blocks = (r1 - r0 + rowsPerBlock - 1) / rowsPerBlock
          for b in 0..<blocks {
            stream.source.decodeBlock(
              stream.firstBlock + i * blocksPerItem + b, into: tile + b * blockBytes)
          }
          if isF32 {
            let w = UnsafePointer(tile.assumingMemoryBound(to: Float.self))
            uk_gemm_f32(c, xs, ldx, rows, k, w, 0, r1 - r0, y + r0, n)
          } else {
            let w = UnsafePointer(tile.assumingMemoryBound(to: UInt16.self))
            uk_gemm_bf16(c, xs, xb, ldx, rows, k, w, 0, r1 - r0, y + r0, n)
          }
        }
      }
    }
  }
}
