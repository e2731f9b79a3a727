import CUnmaskKernels

/// Bidirectional (non-causal) scaled dot-product attention with grouped-query heads.
///
/// For each query head `h` reading key/value head `h / (heads / kvHeads)` (PyTorch's
/// `repeat_interleave` grouping, as LLaDA and Qwen2 use):
/// `out_h = softmax(Q_h K_hᵀ / sqrt(d)) V_h`. Masked diffusion models see the whole canvas, so
/// there is no causal mask.
///
/// On the kernel paths (`KernelPath.current` other than `.blas`) work items are (head, block of
/// 96 queries, more past 1024 keys) spread over `ComputeThreads`; each copies its head's keys and values once, then
/// computes scores, an exact softmax per row and the weighted values as GEMM-like tiles
/// (CUnmaskKernels' `uk_attention`): memory per item is linear in the canvas, never a `[T, T]`
/// matrix. On `.blas` each head's GEMMs read Q, K, V in place through BLAS leading
/// dimensions, with no transposed copies. Heads run one after another and BLAS spreads each GEMM
/// over the threads: running heads on Dispatch threads while OpenBLAS also used its own pool cost
/// about 8% of a 120M model's forward pass in thread hand-offs.
public enum Attention {
  /// Queries per work item on the kernel paths, for canvases up to 1024 keys: enough that
  /// copying the head's keys and values (once per item) stays a few percent of the item's work,
  /// few enough to share out. Longer canvases take proportionally more (384 at 4096 keys): with
  /// 96, the copies were 6% of a pass at 4096, their strided reads missing cache.
  static let queryBlock = 96

  static func queriesPerItem(keys: Int) -> Int { queryBlock * max(1, keys / 1024) }

  /// - Parameters:
  ///   - q: `[T, heads · d]`, already rotated.
  ///   - k: `[T, kvHeads · d]`, already rotated.
  ///   - v: `[T, kvHeads · d]`.
  ///   - out: `[T, heads · d]`, heads side by side as `attn_out`/`o_proj` expect.
  public static func bidirectional(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    into out: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, kvHeads: Int, headDimension: Int
  ) {
    attend(
      q: q, k: k, v: v, into: out, queries: tokens, keys: tokens, heads: heads, kvHeads: kvHeads,
      headDimension: headDimension)
  }

  /// Bidirectional attention of `queries` rows of `q` (any positions of the canvas, already
  /// rotated at their own positions) against all `keys` rows of `k` and `v`: the full pass when
  /// the queries are every position, the last block of a row-restricted pass otherwise.
  ///
  /// On the kernel paths each query's output is computed alone (the kernel's tiles of 6 queries
  /// share loads of keys and values, not sums), so a query gives the same bits whichever other
  /// queries come with it. On `.blas` the GEMMs' blocking may depend on `queries`.
  ///
  /// - Parameters:
  ///   - q: `[queries, heads · d]`.
  ///   - k: `[keys, kvHeads · d]`.
  ///   - v: `[keys, kvHeads · d]`.
  ///   - out: `[queries, heads · d]`.
  ///   - scale: the factor on `q · k` (nil: `1/sqrt(d)`; Gemma 4 norms q and k and uses 1).
  public static func attend(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    into out: UnsafeMutablePointer<Float>, queries: Int, keys: Int, heads: Int, kvHeads: Int,
    headDimension: Int, scale: Float? = nil
  ) {
    let scale = scale ?? 1 / Float(headDimension).squareRoot()
    let path = KernelPath.current
    if path != .blas {
      let perItem = queriesPerItem(keys: keys)
      let blocks = (queries + perItem - 1) / perItem
      ComputeThreads.parallelFor(heads * blocks) { item in
        let t0 = (item % blocks) * perItem
        // uk_attention reads query rows t0..<t1 of q and every one of `keys` key rows.
        let status = uk_attention(
          path.cPath, q, k, v, out, keys, heads, kvHeads, headDimension, item / blocks, t0,
          min(queries, t0 + perItem), scale)
        // Its buffers are O(keys · d) floats; failing that, nothing else of the pass would fit.
        precondition(status == 0, "attention: out of memory for \(keys) keys of \(headDimension)")
      }
      return
    }
    // The BLAS path is the window case: these queries against every key.
    window(
      q: q, k: k, v: v, into: out, queries: queries, keys: keys, heads: heads,
      kvHeads: kvHeads, headDimension: headDimension, scale: scale)
  }
}
