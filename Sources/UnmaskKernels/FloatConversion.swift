import CUnmaskKernels
/// Conversions between `Float` and the 16-bit float formats checkpoints store.
///
/// bfloat16 is the top half of an IEEE float32, so widening is a shift; narrowing rounds to
/// nearest even, as PyTorch's `tensor.to(torch.bfloat16)` does, and keeps NaNs quiet.
public enum FloatConversion {
  /// Joins `count` 16-bit elements from byte planes `hi` and `lo`: `rotr1(hi << 8 | lo)`, the
  /// inverse of the `.umk` writer's sign rotation and split (bf16, f16), vectorized.
  public static func joinRotated16(
    hi: UnsafePointer<UInt8>, lo: UnsafePointer<UInt8>, count: Int,
    into out: UnsafeMutablePointer<UInt16>
  ) {
    uk_join_rotated16(KernelPath.current.cPath, hi, lo, count, out)
  }

  /// Widens bfloat16 bits to `Float` (exact).
  @inlinable
  public static func float(fromBFloat16 bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }

  /// Narrows a `Float` to bfloat16 bits, rounding to nearest even (PyTorch's rule).
  @inlinable
  public static func bfloat16(from value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
  }

  /// Widens IEEE half bits to `Float` (exact).
  @inlinable
  public static func float(fromFloat16 bits: UInt16) -> Float {
    Float(Float16(bitPattern: bits))
  }

  /// Narrows a `Float` to IEEE half bits, rounding to nearest even.
  @inlinable
  public static func float16(from value: Float) -> UInt16 {
    Float16(value).bitPattern
  }
}
