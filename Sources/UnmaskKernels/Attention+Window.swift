#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif

extension Attention {
  /// Bidirectional attention of `queries` rows against `keys` rows through BLAS: two GEMMs per
  /// head and a `[Tq, Tk]` score buffer. `attend` uses it on `.blas` (and for heads wider than
  /// the fused kernel takes); grouped-query heads as in `bidirectional`.
  ///
  /// - Parameters:
  ///   - q: `[Tq, heads · d]`, already rotated at the window's absolute positions.
  ///   - k: `[Tk, kvHeads · d]`, already rotated.
  ///   - v: `[Tk, kvHeads · d]`.
  ///   - out: `[Tq, heads · d]`.
  /// - Complexity: `O(Tq · Tk · heads · d)`; one `[Tq, Tk]` score buffer.
  public static func window(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    into out: UnsafeMutablePointer<Float>, queries: Int, keys: Int, heads: Int, kvHeads: Int,
    headDimension: Int, scale: Float? = nil
  ) {
    let d = headDimension
    let group = heads / kvHeads
    let qStride = Int32(heads * d)
    let kvStride = Int32(kvHeads * d)
    let scale = scale ?? 1 / Float(d).squareRoot()
    let tq = Int32(queries)
    let tk = Int32(keys)
    let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, queries * keys))
    defer { scores.deallocate() }
    for h in 0..<heads {
      let kv = h / group
      // scores[Tq, Tk] = scale · Q_h · K_kvᵀ
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, tq, tk, Int32(d), scale, q + h * d, qStride,
        k + kv * d, kvStride, 0, scores, tk)
      VectorMath.softmaxRows(scores, rows: queries, columns: keys)
      // out_h[Tq, d] = scores · V_kv
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, tq, Int32(d), tk, 1, scores, tk, v + kv * d,
        kvStride, 0, out + h * d, qStride)
    }
  }
}
