/// `torch.softmax(x, dim=-1)` on a float32 row, as torch's CPU kernel computes it, bit for bit.
///
/// Why: Dream (and LLaDA since 2025-06) rank positions by float32 probabilities, and with
/// peaked distributions many of them land on or next to 1.0; one ulp decides which position is
/// committed. A float64 softmax rounded to float32 differs from torch's in about one row in a
/// hundred. ATen's `_vec_softmax_lastdim` (aten/src/ATen/native/cpu/SoftMaxKernel.cpp) does:
/// `m = max(x)`; `e = Sleef_expf8_u10(x - m)`; `s = reduce_all(+, e)` over 8 float lanes (AVX2:
/// lane-wise accumulation, the tail merged into the first lanes, then a shuffle tree
/// `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`); `p = e * (1 / s)`. This type mirrors each step,
/// with SLEEF's `xexpf` (fused multiply-adds, Cody-Waite reduction). Checked against
/// `torch.softmax` on thousands of rows, and end to end by the peaked golden runs.
///
/// The 8 lanes are torch's AVX2 kernels (its default CPU capability on these machines); a torch
/// that dispatches AVX-512 kernels sums over 16 lanes and can differ in the last bit.
public enum TorchSoftmax {
  /// Lanes of torch's vectorised reduction (AVX2: 8 floats).
  public static let lanes = 8  // SIMD8 below

  /// Softmax of `x` into `out` (same count); `out` is overwritten.
  public static func softmax(_ x: UnsafeBufferPointer<Float>, into out: inout [Float]) {
    let n = x.count
    guard n > 0 else { return }
    var m = x[0]
    for j in 1..<n where x[j] > m || x[j].isNaN { m = x[j] }
    for j in 0..<n { out[j] = expf(x[j] - m) }
    let s = out.withUnsafeBufferPointer { laneSum($0) }
    let inverse = 1 / s
    for j in 0..<n { out[j] = out[j] * inverse }
  }

  /// ATen's `vec::reduce_all` with `+` over 8 lanes.
  static func laneSum(_ e: UnsafeBufferPointer<Float>) -> Float {
    let n = e.count
    if n < lanes {
      var acc = e[0]
      for j in 1..<n { acc = acc + e[j] }
      return acc
    }
    var acc = SIMD8<Float>(e[0..<8])
    var d = lanes
    while d + lanes <= n {
      acc = acc + SIMD8<Float>(e[d..<(d + 8)])
      d += lanes
    }
    if d < n {
      for l in 0..<(n - d) { acc[l] = acc[l] + e[d + l] }
    }
    // _mm256 shuffle tree: 128-bit halves, then 64-bit, then 32-bit pairs.
    let a = acc.lowHalf + acc.highHalf  // (l0+l4, l1+l5, l2+l6, l3+l7)
    let b0 = a[0] + a[2]
    let b1 = a[1] + a[3]
    return b0 + b1
  }

  /// SLEEF `xexpf` (the u10 single-precision exp torch vectorises), with fused multiply-adds.
  public static func expf(_ d: Float) -> Float {
    if d.isNaN { return d }
    if d < -104 { return 0 }
    if d > 100 { return .infinity }
    let q = (d * 1.442695040888963407359924681001892137426645954152985934135449406931)
      .rounded(.toNearestOrEven)
    let qi = Int32(q)
    var s = d.addingProduct(q, -0.693145751953125)
    s = s.addingProduct(q, -1.428606765330187045e-06)
    var u: Float = 0.000198527617612853646278381
    u = Float(0.00139304355252534151077271).addingProduct(u, s)
    u = Float(0.00833336077630519866943359).addingProduct(u, s)
    u = Float(0.0416664853692054748535156).addingProduct(u, s)
    u = Float(0.166666671633720397949219).addingProduct(u, s)
    u = Float(0.5).addingProduct(u, s)
    u = 1 + s.addingProduct(s * s, u)
    // vldexp2: u * 2^(q >> 1) * 2^(q - (q >> 1))
    let half = qi >> 1
    return u * pow2(half) * pow2(qi - half)
  }

  @inline(__always)
  static func pow2(_ e: Int32) -> Float {
    Float(sign: .plus, exponent: Int(e), significand: 1)
  }
}
