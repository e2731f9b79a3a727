import CUnmaskKernels

/// `Linear` through Unmask's own kernels (CUnmaskKernels): weights are read in their stored
/// type by the GEMM itself, so there is no widened copy and no pass over the weights besides
/// the one that multiplies them.
///
/// Work is split over tiles of output features (`tileColumns` rows of `W`), handed to
/// `ComputeThreads`; each tile sweeps every input row, so a tile of `W` is read from memory once
/// per call. Sums run along `in` inside one tile on one thread, so results do not depend on the
/// thread count.
extension Linear {
  /// Output features per work item: a multiple of every kernel's tile width (4 for the int8
  /// tiles, 16 and 32 for the f32/bf16 panels on AVX2 and AVX-512: at 48 an AVX-512 tile was a
  /// panel of 32 and a half-empty one) that keeps 2 threads balanced on the 120M model's
  /// narrowest layer (1024 = 10 tiles of 96 + 64).
  static let tileColumns = 96

  /// Output features per panel and per work item of the GEMM that `path` runs for `dtype`:
  /// the vdpbf16ps outer-product GEMM (bf16 weights on `.avx512BF16`) transposes panels of 64
  /// weight rows, so its items are 128 rows (a 96-row item ran a half-empty second panel, at
  /// 0.75x the speed); every other kernel, 32 and `tileColumns`.
  static func workItem(_ path: KernelPath, _ dtype: DType) -> (panel: Int, tile: Int) {
    path == .avx512BF16 && dtype == .bf16 ? (64, 128) : (32, tileColumns)
  }

  /// Whether the kernels read `dtype` directly (others go through `applyThroughBLAS`).
  static func hasKernel(for dtype: DType) -> Bool {
    dtype == .f32 || dtype == .bf16 || dtype.isQuantized
  }

  /// `y[T, out] = x[T, in] · Wᵀ` on `path` (not `.blas`).
  func applyThroughKernels(
    _ path: KernelPath, _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>
  ) {
    guard let base = weight.bytes.baseAddress else { return }
    let k = inFeatures
    let n = outFeatures
    let c = path.cPath
    switch weight.dtype {
    case .q8_0, .q4_0:
      // Activations quantized to q8 once per call, as ggml's vec_dot_type does:
      // scales [T, in/32] as float, then values [T, in] as int8, in one scratch buffer.
      let blocks = k / Quantization.blockElements
      ScratchBuffers.with(byteCount: rows * blocks * 4 + rows * k) { scratch in
        let d = scratch.bindMemory(to: Float.self, capacity: rows * blocks)
        let q = (scratch + rows * blocks * 4).bindMemory(to: Int8.self, capacity: rows * k)
        Linear.forEachRowChunk(rows) { r0, r1 in
          uk_quantize_q8(c, x + r0 * k, r1 - r0, k, q + r0 * k, d + r0 * blocks)
        }
        let w = base.assumingMemoryBound(to: UInt8.self)
        let q4 = weight.dtype == .q4_0
        Linear.forEachTile(n) { n0, n1 in
          if q4 {
            uk_gemm_q4_0(c, q, d, rows, k, w, n0, n1, y, n)
          } else {
            uk_gemm_q8_0(c, q, d, rows, k, w, n0, n1, y, n)
          }
        }
      }
    case .q4_K, .q5_K, .q6_K:
      applyKQuant(c, x, rows: rows, weights: base.assumingMemoryBound(to: UInt8.self), into: y)
    default:
      withFloatActivations(path, x, rows: rows) { xs, ldx, xb in
        if weight.dtype == .f32 {
          let w = base.assumingMemoryBound(to: Float.self)
          Linear.forEachTile(n) { n0, n1 in uk_gemm_f32(c, xs, ldx, rows, k, w, n0, n1, y, n) }
        } else {
          let w = base.assumingMemoryBound(to: UInt16.self)
          let item = Linear.workItem(path, .bf16)
          let kept = path == .avx512BF16 ? panels : nil
          Linear.forEachTile(n, panel: item.panel, tile: item.tile) { n0, n1 in
            if let kept, let xb {
              let packed = uk_gemm_bf16_panels(c, kept.handle, xb, ldx, rows, k, w, n0, n1, y, n)
              if packed == 1 { kept.releaseRows(n0..<n1, of: weight) }
              if packed >= 0 { return }
            }
            uk_gemm_bf16(c, xs, xb, ldx, rows, k, w, n0, n1, y, n)
          }
        }
      }
    }
  }

  /// Runs `body(xs, ldx, xb)` with the activations as the f32/bf16 GEMMs read them: `xs`
  /// (`x`, or a copy with row stride `ldx`) and, for bf16 weights on `.avx512BF16`, `xb`
  /// (`xs` rounded to bf16, same stride).
  func withFloatActivations(
    _ path: KernelPath, _ x: UnsafePointer<Float>, rows: Int,
    _ body: (UnsafePointer<Float>, Int, UnsafePointer<UInt16>?) -> Void
  ) {
    let k = inFeatures
    let c = path.cPath
    // Rows 4 KiB apart land in one L1 set and evict each other inside a tile: such inputs
    // are copied once with a 64-byte pad per row (a 14% faster GEMM at in = 1024).
    let ldx = (k * 4) % 1024 == 0 ? k + 16 : k
    let padBytes = ldx == k ? 0 : rows * ldx * 4
    let rounding = weight.dtype == .bf16 && path == .avx512BF16
    let roundBytes = rounding ? rows * ldx * 2 : 0
    ScratchBuffers.with(byteCount: padBytes + roundBytes) { scratch in
      var xs = x
      if padBytes > 0 {
        let padded = scratch.bindMemory(to: Float.self, capacity: rows * ldx)
        Linear.forEachRowChunk(rows) { r0, r1 in
          for t in r0..<r1 { (padded + t * ldx).update(from: x + t * k, count: k) }
        }
        xs = UnsafePointer(padded)
      }
      var xb: UnsafePointer<UInt16>?
      if rounding {
        let buffer = (scratch + padBytes).bindMemory(to: UInt16.self, capacity: rows * ldx)
        Linear.forEachRowChunk(rows) { r0, r1 in
          for t in r0..<r1 { uk_bf16_from_f32(c, xs + t * ldx, k, buffer + t * ldx) }
        }
        xb = UnsafePointer(buffer)
      }
      body(xs, ldx, xb)
    }
  }

  /// The K-quant GEMM: activations quantized as ggml's Q8_K (one scale per 256, written per
  /// block of 32), plus each block's `xd * sum(xq)` (the factor of Q4_K/Q5_K's `dmin * m`
  /// term), in one scratch buffer: scales and sums `[T, in/32]` as float, then values
  /// `[T, in]` as int8.
  private func applyKQuant(
    _ c: uk_path, _ x: UnsafePointer<Float>, rows: Int, weights w: UnsafePointer<UInt8>,
    into y: UnsafeMutablePointer<Float>
  ) {
    let k = inFeatures
    let n = outFeatures
    let blocks = k / Quantization.blockElements
    let type: uk_kquant =
      weight.dtype == .q4_K ? UK_Q4_K : weight.dtype == .q5_K ? UK_Q5_K : UK_Q6_K
    ScratchBuffers.with(byteCount: 2 * rows * blocks * 4 + rows * k) { scratch in
      let d = scratch.bindMemory(to: Float.self, capacity: 2 * rows * blocks)
      let mins = d + rows * blocks
      let q = (scratch + 2 * rows * blocks * 4).bindMemory(to: Int8.self, capacity: rows * k)
      Linear.forEachRowChunk(rows) { r0, r1 in
        uk_quantize_q8_k(x + r0 * k, r1 - r0, k, q + r0 * k, d + r0 * blocks)
        uk_q8_block_mins(q + r0 * k, d + r0 * blocks, r1 - r0, k, mins + r0 * blocks)
      }
      Linear.forEachTile(n) { n0, n1 in
        uk_gemm_kquant(c, type, q, d, mins, rows, k, w, n0, n1, y, n)
      }
    }
  }

  /// Calls `body(r0, r1)` for consecutive chunks of `rows`, one per thread, for the per-row
  /// work before a GEMM (quantizing or rounding its input): rows are independent, so the
  /// result is the same, and at 2 threads on the 120M q8_0 model this was 4.5% of a pass run
  /// on one thread. Fewer than 16 rows (a step's logit rows) stay on the caller's thread.
  static func forEachRowChunk(_ rows: Int, _ body: (Int, Int) -> Void) {
    let chunks = rows < 16 ? 1 : min(ComputeThreads.count, rows)
    if chunks <= 1 { return body(0, rows) }
    ComputeThreads.parallelFor(chunks) { i in body(rows * i / chunks, rows * (i + 1) / chunks) }
  }

  /// Calls `body(n0, n1)` for consecutive tiles of `columns`, spread over `ComputeThreads`.
  ///
  /// The columns are first cut into equal shares of `panel`-column panels, two per thread,
  /// which the threads take in turn, and each share into tiles of `tile` columns (the last one
  /// up to a panel wider): tiles of 96 across the 120M model's 1024 outputs were 11, 6 on one
  /// thread and 5 on the other, which left the other idle for a ninth of each of those GEMMs.
  /// Two shares rather than one: a thread that loses its core to another process takes fewer
  /// (2 threads beside a busy process on 2 cores: 232-244 ms per q8_0 pass of the 120M model
  /// against 258-268 with one share each, the same on a quiet machine). Four shares took
  /// 214-233 ms there, but made the `vdpbf16ps` passes 3-6% slower on a quiet machine.
  static func forEachTile(
    _ columns: Int, panel: Int = 32, tile: Int = tileColumns, _ body: (Int, Int) -> Void
  ) {
    let panels = (columns + panel - 1) / panel
    let perTile = tile / panel
    // Per thread that runs (`--threads` above the core count runs one thread per core).
    let threads = min(ComputeThreads.count, ComputeThreads.defaultCount)
    let shares = max(1, min(2 * threads, panels / perTile))
    ComputeThreads.parallelForEach(shares) { s in
      let first = panels * s / shares
      let end = panels * (s + 1) / shares
      var p = first
      while p < end {
        // A remainder of less than a tile joins the tile before it.
        let next = end - p < 2 * perTile ? end : p + perTile
        body(p * panel, min(columns, next * panel))
        p = next
      }
    }
  }
}
