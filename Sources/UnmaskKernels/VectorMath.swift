/// Vectorised elementwise maths for the hot loops (softmax, SiLU), 16 lanes at a time.
///
/// `exp` is Cephes' `expf` (range reduction by ln 2 split in two constants, a degree-6
/// polynomial, scaling by 2ⁿ through the exponent bits): within 2 ulp of the correctly
/// rounded result over [-87, 88.4]; inputs below -87 give about 1.6e-38 instead of a subnormal,
/// which no softmax or sigmoid downstream can tell apart from zero.
public enum VectorMath {
  /// eˣ for 16 lanes.
  @inlinable @inline(__always)
  public static func exp(_ input: SIMD16<Float>) -> SIMD16<Float> {
    let x = pointwiseMin(
      pointwiseMax(input, SIMD16(repeating: -87)), SIMD16(repeating: 88.376_262_664_794_9))
    // n = round(x / ln 2) by the 1.5·2²³ trick: the sum's low mantissa bits hold n, so a bit
    // cast reads n back as an integer. (Swift's generic SIMD rounding and float-to-int
    // conversions are not vectorised: they called floorf per lane.)
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let shifted = x * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    let r2 = r * r
    var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let y = p * r2 + r + 1
    let exponent = ((unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000) &+ 127) &<< 23
    return y * unsafeBitCast(exponent, to: SIMD16<Float>.self)
  }

  /// Replaces each of `count` values at `x` by eˣ⁻ᵐ and returns their sum (the softmax core).
  @inlinable
  public static func expSubtractingAndSum(
    _ x: UnsafeMutablePointer<Float>, count: Int, subtracting m: Float
  ) -> Float {
    var total = SIMD16<Float>(repeating: 0)
    var i = 0
    let shift = SIMD16<Float>(repeating: m)
    while i + 16 <= count {
      let raw = UnsafeMutableRawPointer(x + i)
      let e = exp(raw.loadUnaligned(as: SIMD16<Float>.self) - shift)
      raw.storeBytes(of: e, as: SIMD16<Float>.self)
      total += e
      i += 16
    }
    var sum = total.sum()
    if i < count {
      var tail = SIMD16<Float>(repeating: -.infinity)
      for j in 0..<(count - i) { tail[j] = x[i + j] }
      let e = exp(tail - shift)
      for j in 0..<(count - i) {
        x[i + j] = e[j]
        sum += e[j]
      }
    }
    return sum
  }

  /// In-place softmax of each of `rows` rows of `columns` values (max-subtracted, float32).
  public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
      let row = x + r * columns
      var m = -Float.infinity
      for c in 0..<columns { m = max(m, row[c]) }
      let sum = expSubtractingAndSum(row, count: columns, subtracting: m)
      let inverse = 1 / sum
      for c in 0..<columns { row[c] *= inverse }
    }
  }

  /// `gate[i] = silu(gate[i]) * up[i]` for `count` values: SwiGLU's elementwise step, where
  /// `silu(g) = g / (1 + e⁻ᵍ)`.
  ///
  /// On the kernel paths this is CUnmaskKernels' `uk_swiglu` (the same formula and `exp`,
  /// vectorized by the C compiler per instruction set: 0.3 ns per element against about 16 ns
  /// for the Swift loop below, which stays as the `.blas` path's).
  public static func swiglu(
    _ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int
  ) {
    let path = KernelPath.current
    if path != .blas {
      ComputeThreads.forEachSlice(count) { start, end in
        uk_swiglu(path.cPath, gate + start, up + start, end - start)
      }
      return
    }
    var i = 0
    while i + 16 <= count {
      let g = UnsafeMutableRawPointer(gate + i).loadUnaligned(as: SIMD16<Float>.self)
      let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD16<Float>.self)
      let s = g / (1 + exp(-g)) * u
      UnsafeMutableRawPointer(gate + i).storeBytes(of: s, as: SIMD16<Float>.self)
      i += 16
    }
    while i < count {
      let g = gate[i]
      gate[i] = g / (1 + Float(Foundation.exp(Double(-g)))) * up[i]
      i += 1
    }
  }
}

import CUnmaskKernels
import Foundation
