/// llama.cpp's K-quants (Q4_K, Q5_K, Q6_K): 256 elements per super-block, each split into
/// sub-blocks with their own small integer scale under one f16 super-scale, so the scales cost
/// about half a bit per weight instead of q4_0's one.
///
/// Layouts (`block_q4_K`, `block_q5_K`, `block_q6_K` in ggml-common.h, QK_K = 256):
/// - Q4_K (144 bytes): f16 `d`, f16 `dmin`, 12 bytes `scales`, 128 bytes `qs`. Eight sub-blocks
///   of 32, each with a 6-bit scale `sc` and 6-bit min `m` (`scaleAndMin`); element `l` of the
///   pair of sub-blocks `2p, 2p + 1` is the low (resp. high) nibble of `qs[32p + l]`;
///   value = `d * sc * q - dmin * m`.
/// - Q5_K (176 bytes): as Q4_K with 32 bytes `qh` after `scales`: bit `j` of `qh[l]` is the
///   fifth bit (16) of element `l` of sub-block `j`.
/// - Q6_K (210 bytes): 128 bytes `ql`, 64 bytes `qh`, 16 int8 `scales` (one per 16 elements),
///   then f16 `d`. Each half of 128 elements takes 64 bytes of `ql` and 32 of `qh`; its element
///   `32 r + l` is `ql[l + 32 (r % 2)]`'s low (r < 2) or high nibble, plus bits `2r, 2r + 1` of
///   `qh[l]` as bits 4 and 5; value = `d * sc * (q - 32)`.
///
/// The dequantizers evaluate the same float expressions in the same order as ggml's
/// `dequantize_row_q4_K/q5_K/q6_K` (and gguf-py's `dequantize`), products first, without
/// fused multiply-adds, so the floats are bit for bit theirs.
extension Quantization {
  /// Elements per K-quant super-block (ggml's `QK_K`).
  public static let superBlockElements = 256

  /// Sub-block `j`'s (0..<8) 6-bit scale and min from a Q4_K/Q5_K block's 12 `scales` bytes:
  /// ggml's `get_scale_min_k4`. Sub-blocks 0-3 use the low 6 bits of bytes `j` and `j + 4`;
  /// 4-7 take a nibble of byte `j + 4` and the top two bits of bytes `j - 4` and `j`.
  @inline(__always)
  public static func scaleAndMin(_ scales: UnsafeRawPointer, _ j: Int) -> (UInt8, UInt8) {
    let byte = { (i: Int) in scales.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
    return (
      (byte(j + 4) & 0x0F) | ((byte(j - 4) >> 6) << 4), (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4)
    )
  }

  /// Dequantizes `blocks` Q4_K (`fifthBit` false) or Q5_K super-blocks at `source` into
  /// `destination` (256 per block).
  public static func dequantizeQ4_K(
    _ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>
  ) {
    dequantizeQ45_K(source, blocks: blocks, fifthBit: false, into: destination)
  }

  /// Dequantizes `blocks` Q5_K super-blocks at `source` into `destination` (256 per block).
  public static func dequantizeQ5_K(
    _ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>
  ) {
    dequantizeQ45_K(source, blocks: blocks, fifthBit: true, into: destination)
  }

  private static func dequantizeQ45_K(
    _ source: UnsafeRawPointer, blocks: Int, fifthBit: Bool,
    into destination: UnsafeMutablePointer<Float>
  ) {
    let blockBytes = fifthBit ? DType.q5_K.blockBytes : DType.q4_K.blockBytes
    for b in 0..<blocks {
      let block = source + b * blockBytes
      let d = Float(Float16(bitPattern: block.loadUnaligned(as: UInt16.self)))
      let dmin = Float(Float16(bitPattern: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
      let scales = block + 4
      let qh = block + 16
      let qs = block + (fifthBit ? 48 : 16)
      let out = destination + b * 256
      for j in 0..<8 {
        let (sc, m) = scaleAndMin(scales, j)
        let scale = d * Float(sc)
        let offset = dmin * Float(m)
        let shift = UInt8(4 * (j & 1))
        for l in 0..<32 {
          var q = (qs.load(fromByteOffset: 32 * (j >> 1) + l, as: UInt8.self) >> shift) & 0x0F
          if fifthBit, (qh.load(fromByteOffset: l, as: UInt8.self) >> UInt8(j)) & 1 != 0 {
            q += 16
          }
          out[32 * j + l] = scale * Float(q) - offset
        }
      }
    }
  }

  /// Dequantizes `blocks` Q6_K super-blocks at `source` into `destination` (256 per block).
  public static func dequantizeQ6_K(
    _ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>
  ) {
    for b in 0..<blocks {
      let block = source + b * DType.q6_K.blockBytes
      let d = Float(Float16(bitPattern: block.loadUnaligned(fromByteOffset: 208, as: UInt16.self)))
      let out = destination + b * 256
      for i in 0..<256 {
        let q = Int(q6Value(block, i))
        let sc = Float(block.load(fromByteOffset: 192 + i / 16, as: Int8.self))
        out[i] = d * sc * Float(q - 32)
      }
    }
  }

  /// Element `i` (0..<256) of a Q6_K block as its unsigned 6-bit code (0...63).
  @inline(__always)
  static func q6Value(_ block: UnsafeRawPointer, _ i: Int) -> UInt8 {
    let half = i / 128
    let r = (i % 128) / 32
    let l = i % 32
    let low = block.load(fromByteOffset: 64 * half + l + 32 * (r & 1), as: UInt8.self)
    let high = block.load(fromByteOffset: 128 + 32 * half + l, as: UInt8.self)
    let nibble = r < 2 ? low & 0x0F : low >> 4
    return nibble | (((high >> UInt8(2 * r)) & 3) << 4)
  }
}
