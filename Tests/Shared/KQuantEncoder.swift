import UnmaskKernels

/// A plain K-quant encoder for tests: valid Q4_K, Q5_K and Q6_K blocks of given floats, so the
/// kernels and models can be tested on weights close to known float values.
///
/// It is not llama.cpp's `quantize_row_q4_K_ref` (no iterative search for the best scale and
/// min, `make_qkx2_quants`): each sub-block's scale spans its range, `d` is the largest scale
/// over 63 (Q6_K: 127), codes round to nearest. The layouts are `Quantization+KQuants.swift`'s;
/// the dequantizer that reads them back is tested against gguf-py bit for bit.
enum KQuantEncoder {
  /// `values.count` (a multiple of 256) floats as `dtype` blocks.
  static func encode(_ values: [Float], as dtype: DType) -> [UInt8] {
    precondition(dtype.isKQuant && values.count % 256 == 0)
    var out: [UInt8] = []
    for b in stride(from: 0, to: values.count, by: 256) {
      let x = Array(values[b..<(b + 256)])
      out += dtype == .q6_K ? q6Block(x) : q45Block(x, fifthBit: dtype == .q5_K)
    }
    return out
  }

  private static func half(_ value: Float) -> (bits: UInt16, value: Float) {
    let h = Float16(value)
    return (h.bitPattern, Float(h))
  }

  private static func q45Block(_ x: [Float], fifthBit: Bool) -> [UInt8] {
    let levels: Float = fifthBit ? 31 : 15
    var scales = [Float](repeating: 0, count: 8)
    var mins = [Float](repeating: 0, count: 8)
    for j in 0..<8 {
      let sub = x[(32 * j)..<(32 * j + 32)]
      let low = min(0, sub.min() ?? 0)
      scales[j] = ((sub.max() ?? 0) - low) / levels
      mins[j] = -low
    }
    let d = half((scales.max() ?? 0) / 63)
    let dmin = half((mins.max() ?? 0) / 63)
    let sc = scales.map { d.value > 0 ? UInt8(min(63, max(0, ($0 / d.value).rounded()))) : 0 }
    let m = mins.map { dmin.value > 0 ? UInt8(min(63, max(0, ($0 / dmin.value).rounded()))) : 0 }
    var packed = [UInt8](repeating: 0, count: 12)
    for j in 0..<8 {
      if j < 4 {
        packed[j] |= sc[j] & 63
        packed[j + 4] |= m[j] & 63
      } else {
        packed[j + 4] = (sc[j] & 0x0F) | ((m[j] & 0x0F) << 4)
        packed[j - 4] |= (sc[j] >> 4) << 6
        packed[j] |= (m[j] >> 4) << 6
      }
    }
    var qh = [UInt8](repeating: 0, count: 32)
    var qs = [UInt8](repeating: 0, count: 128)
    for j in 0..<8 {
      let step = d.value * Float(sc[j])
      let offset = dmin.value * Float(m[j])
      for l in 0..<32 {
        let q =
          step > 0 ? UInt8(min(levels, max(0, ((x[32 * j + l] + offset) / step).rounded()))) : 0
        qs[32 * (j >> 1) + l] |= (q & 0x0F) << UInt8(4 * (j & 1))
        if q >= 16 { qh[l] |= 1 << UInt8(j) }
      }
    }
    let head = [
      UInt8(d.bits & 0xFF), UInt8(d.bits >> 8), UInt8(dmin.bits & 0xFF), UInt8(dmin.bits >> 8),
    ]
    return head + packed + (fifthBit ? qh : []) + qs
  }

  private static func q6Block(_ x: [Float]) -> [UInt8] {
    var scales = [Float](repeating: 0, count: 16)
    for s in 0..<16 { scales[s] = (x[(16 * s)..<(16 * s + 16)].map(abs).max() ?? 0) / 31 }
    let d = half((scales.max() ?? 0) / 127)
    let sc = scales.map { d.value > 0 ? Int8(min(127, max(-128, ($0 / d.value).rounded()))) : 0 }
    var block = [UInt8](repeating: 0, count: 210)
    for i in 0..<256 {
      let step = d.value * Float(sc[i / 16])
      let q = step > 0 ? Int(min(31, max(-32, (x[i] / step).rounded()))) : 0
      let code = UInt8(q + 32)
      let (half, r, l) = (i / 128, (i % 128) / 32, i % 32)
      block[64 * half + l + 32 * (r & 1)] |= (code & 0x0F) << (r < 2 ? 0 : 4)
      block[128 + 32 * half + l] |= (code >> 4) << UInt8(2 * r)
    }
    for s in 0..<16 { block[192 + s] = UInt8(bitPattern: sc[s]) }
    block[208] = UInt8(d.bits & 0xFF)
    block[209] = UInt8(d.bits >> 8)
    return block
  }
}
