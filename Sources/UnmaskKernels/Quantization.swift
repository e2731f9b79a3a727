/// GGUF block quantization (q8_0, q4_0): the layouts `.umk` stores and the engine computes from.
///
/// Each block holds 32 elements and starts with an IEEE half scale `d`:
/// - q8_0: `d`, then 32 signed bytes `q`; value = `d * q`.
/// - q4_0: `d`, then 16 bytes; element `j` (j < 16) is the low nibble of byte `j` and element
///   `j + 16` its high nibble; value = `d * (nibble - 8)`. This matches ggml's
///   `dequantize_row_q4_0`.
public enum Quantization {
  /// Elements per block for both formats.
  public static let blockElements = 32

  /// Dequantizes `blocks` q8_0 blocks starting at `source` into `destination` (32 per block).
  public static func dequantizeQ8_0(
    _ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>
  ) {
    for b in 0..<blocks {
      let block = source + b * DType.q8_0.blockBytes
      let d = Float(Float16(bitPattern: block.loadUnaligned(as: UInt16.self)))
      let out = destination + b * 32
      for j in 0..<32 { out[j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
    }
  }

  /// Dequantizes `blocks` q4_0 blocks starting at `source` into `destination` (32 per block).
  public static func dequantizeQ4_0(
    _ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>
  ) {
    for b in 0..<blocks {
      let block = source + b * DType.q4_0.blockBytes
      let d = Float(Float16(bitPattern: block.loadUnaligned(as: UInt16.self)))
      let out = destination + b * 32
      for j in 0..<16 {
        let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
        out[j] = d * Float(Int(byte & 0x0F) - 8)
        out[j + 16] = d * Float(Int(byte >> 4) - 8)
      }
    }
  }

  /// Quantizes `32 * blocks` floats to q8_0 (ggml's `quantize_row_q8_0_ref`: `d = max|x| / 127`,
  /// `q = round(x / d)`), writing `blocks * 34` bytes to `destination`.
  public static func quantizeQ8_0(
    _ source: UnsafePointer<Float>, blocks: Int, into destination: UnsafeMutableRawPointer
  ) {
    for b in 0..<blocks {
      let x = source + b * 32
      var amax: Float = 0
      for j in 0..<32 { amax = max(amax, abs(x[j])) }
      let d = amax / 127
      let inverse: Float = d != 0 ? 1 / d : 0
      let block = destination + b * DType.q8_0.blockBytes
      block.storeBytes(of: Float16(d).bitPattern, as: UInt16.self)
      for j in 0..<32 {
        let q = Int8(clamping: Int((x[j] * inverse).rounded(.toNearestOrAwayFromZero)))
        block.storeBytes(of: q, toByteOffset: 2 + j, as: Int8.self)
      }
    }
  }

  /// Quantizes `32 * blocks` floats to q4_0 (ggml's `quantize_row_q4_0_ref`: the element of
  /// largest magnitude `m` sets `d = m / -8`, `q = min(15, trunc(x / d + 8.5))`), writing
  /// `blocks * 18` bytes to `destination`.
  public static func quantizeQ4_0(
    _ source: UnsafePointer<Float>, blocks: Int, into destination: UnsafeMutableRawPointer
  ) {
    for b in 0..<blocks {
      let x = source + b * 32
      var amax: Float = 0
      var extreme: Float = 0
      for j in 0..<32 where abs(x[j]) > amax {
        amax = abs(x[j])
        extreme = x[j]
      }
      let d = extreme / -8
      let inverse: Float = d != 0 ? 1 / d : 0
      let block = destination + b * DType.q4_0.blockBytes
      block.storeBytes(of: Float16(d).bitPattern, as: UInt16.self)
      for j in 0..<16 {
        let lo = UInt8(min(15, max(0, Int(x[j] * inverse + 8.5))))
        let hi = UInt8(min(15, max(0, Int(x[j + 16] * inverse + 8.5))))
        block.storeBytes(of: lo | (hi << 4), toByteOffset: 2 + j, as: UInt8.self)
      }
    }
  }
}
