import UnmaskKernels

/// Splitting elements into byte planes and back: the transform that lets an entropy coder see
/// a float's exponent on its own.
///
/// With `.rotateSign`, each element is first rotated left by one bit, so a bf16
/// `s eeeeeeee mmmmmmm` becomes `eeeeeeee mmmmmmms`: plane 0 is exactly the exponent (about
/// 2.6 bits of entropy in trained weights), plane 1 the mantissa and sign (close to 8 bits).
/// For f32 plane 0 is again the exponent; for f16 it holds 5 exponent and 3 mantissa bits.
/// Plane `k` holds byte `width - 1 - k` (most significant first) of each element.
enum BytePlanes {
  /// Splits `count` elements of `width` bytes at `source` into `width` planes at
  /// `planes + k * count`.
  static func split(
    _ source: UnsafeRawPointer, count: Int, width: Int, transform: UMKTransform,
    into planes: UnsafeMutablePointer<UInt8>
  ) {
    let rotate = transform == .rotateSign
    switch width {
    case 2:
      let hi = planes
      let lo = planes + count
      for i in 0..<count {
        var v = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        if rotate { v = (v << 1) | (v >> 15) }
        hi[i] = UInt8(truncatingIfNeeded: v >> 8)
        lo[i] = UInt8(truncatingIfNeeded: v)
      }
    case 4:
      for i in 0..<count {
        var v = source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
        if rotate { v = (v << 1) | (v >> 31) }
        planes[i] = UInt8(truncatingIfNeeded: v >> 24)
        planes[count + i] = UInt8(truncatingIfNeeded: v >> 16)
        planes[2 * count + i] = UInt8(truncatingIfNeeded: v >> 8)
        planes[3 * count + i] = UInt8(truncatingIfNeeded: v)
      }
    case 8:
      for i in 0..<count {
        var v = source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
        if rotate { v = (v << 1) | (v >> 63) }
        for k in 0..<8 {
          planes[k * count + i] = UInt8(truncatingIfNeeded: v >> UInt64(56 - 8 * k))
        }
      }
    default:  // width 1: one plane, the bytes themselves
      let bytes = source.assumingMemoryBound(to: UInt8.self)
      for i in 0..<count { planes[i] = bytes[i] }
    }
  }

  /// Joins `width` planes of `count` bytes each (`planes[k]`, plane 0 first) back into
  /// elements at `destination` (aligned for the element type); the inverse of `split`.
  static func merge(
    _ planes: [UnsafePointer<UInt8>], count: Int, width: Int, transform: UMKTransform,
    into destination: UnsafeMutableRawPointer
  ) {
    let rotate = transform == .rotateSign
    switch width {
    case 2:
      let out = destination.assumingMemoryBound(to: UInt16.self)
      let hi = planes[0]
      let lo = planes[1]
      if rotate {
        FloatConversion.joinRotated16(hi: hi, lo: lo, count: count, into: out)
      } else {
        for i in 0..<count { out[i] = (UInt16(hi[i]) << 8 | UInt16(lo[i])).littleEndian }
      }
    case 4:
      let out = destination.assumingMemoryBound(to: UInt32.self)
      let (p0, p1, p2, p3) = (planes[0], planes[1], planes[2], planes[3])
      for i in 0..<count {
        var v = UInt32(p0[i]) << 24 | UInt32(p1[i]) << 16
        v |= UInt32(p2[i]) << 8 | UInt32(p3[i])
        if rotate { v = (v >> 1) | (v << 31) }
        out[i] = v.littleEndian
      }
    case 8:
      let out = destination.assumingMemoryBound(to: UInt64.self)
      for i in 0..<count {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(planes[k][i]) << UInt64(56 - 8 * k) }
        if rotate { v = (v >> 1) | (v << 63) }
        out[i] = v.littleEndian
      }
    default:
      let bytes = destination.assumingMemoryBound(to: UInt8.self)
      for i in 0..<count { bytes[i] = planes[0][i] }
    }
  }
}
