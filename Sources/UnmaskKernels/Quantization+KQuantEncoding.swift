/// Quantizers for llama.cpp's K-quants: the blocks `llama-quantize` writes when it has no
/// importance matrix (ggml's `quantize_row_q4_K_ref`, `quantize_row_q5_K_ref` and
/// `quantize_row_q6_K_ref`), byte for byte.
///
/// Byte equality needs the same float arithmetic, so every sum and product here is evaluated in
/// ggml's order, in single precision, without fused multiply-adds (ggml-base is built for the
/// baseline ISA, which has none), and rounding uses ggml's `nearest_int` trick. Layouts are
/// described in `Quantization+KQuants.swift`.
extension Quantization {
  /// Quantizes `256 * blocks` floats at `source` to Q4_K (144 bytes per block).
  public static func quantizeQ4_K(
    _ source: UnsafePointer<Float>, blocks: Int, into destination: UnsafeMutableRawPointer
  ) {
    for b in 0..<blocks {
      encodeQ45_K(
        source + 256 * b, fifthBit: false, into: destination + b * DType.q4_K.blockBytes)
    }
  }

  /// Quantizes `256 * blocks` floats at `source` to Q5_K (176 bytes per block).
  public static func quantizeQ5_K(
    _ source: UnsafePointer<Float>, blocks: Int, into destination: UnsafeMutableRawPointer
  ) {
    for b in 0..<blocks {
      encodeQ45_K(source + 256 * b, fifthBit: true, into: destination + b * DType.q5_K.blockBytes)
    }
  }

  /// Quantizes `256 * blocks` floats at `source` to Q6_K (210 bytes per block).
  public static func quantizeQ6_K(
    _ source: UnsafePointer<Float>, blocks: Int, into destination: UnsafeMutableRawPointer
  ) {
    for b in 0..<blocks {
      encodeQ6_K(source + 256 * b, into: destination + b * DType.q6_K.blockBytes)
    }
  }

  /// ggml's `nearest_int`: adding 1.5 * 2^23 leaves the rounded value (ties to even) in the
  /// low mantissa bits, for |x| below 2^22.
  @inline(__always)
  static func nearestInt(_ x: Float) -> Int {
    let shifted = x + 12_582_912
    return Int(shifted.bitPattern & 0x007F_FFFF) - 0x0040_0000
  }

  /// One Q4_K (codes 0...15) or Q5_K (0...31) super-block. Each sub-block of 32 gets a scale
  /// and a min from `fitScaleAndMin`, weighted by |x| plus the sub-block's RMS; those are
  /// stored as 6-bit multiples of the block's f16 `d` and `dmin`, and the codes are recomputed
  /// from the stored (rounded) scales.
  private static func encodeQ45_K(
    _ x: UnsafePointer<Float>, fifthBit: Bool, into block: UnsafeMutableRawPointer
  ) {
    let levels = fifthBit ? 31 : 15
    var codes = [UInt8](repeating: 0, count: 256)
    var scales = [Float](repeating: 0, count: 8)
    var mins = [Float](repeating: 0, count: 8)
    var maxScale: Float = 0
    var maxMin: Float = 0
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { weights in
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { trial in
        codes.withUnsafeMutableBufferPointer { codes in
          for j in 0..<8 {
            let sub = x + 32 * j
            var sumSquares: Float = 0
            for l in 0..<32 { sumSquares += sub[l] * sub[l] }
            let rms = (sumSquares / 32).squareRoot()
            for l in 0..<32 { weights[l] = rms + abs(sub[l]) }
            (scales[j], mins[j]) = fitScaleAndMin(
              sub, count: 32, levels: levels, weights: UnsafeBufferPointer(weights),
              codes: UnsafeMutableBufferPointer(rebasing: codes[(32 * j)..<(32 * j + 32)]),
              trial: trial, rmin: fifthBit ? -0.5 : -1, rdelta: 0.1, steps: fifthBit ? 15 : 20)
            if scales[j] > maxScale { maxScale = scales[j] }
            if mins[j] > maxMin { maxMin = mins[j] }
          }
        }
      }
    }
    let inverseScale: Float = maxScale > 0 ? 63 / maxScale : 0
    let inverseMin: Float = maxMin > 0 ? 63 / maxMin : 0
    let packed = block + 4
    for j in 0..<8 {
      // ggml stores nearest_int's result in a uint8_t before clamping: it wraps, as here.
      let ls = min(63, UInt8(truncatingIfNeeded: nearestInt(inverseScale * scales[j])))
      let lm = min(63, UInt8(truncatingIfNeeded: nearestInt(inverseMin * mins[j])))
      if j < 4 {
        packed.storeBytes(of: ls, toByteOffset: j, as: UInt8.self)
        packed.storeBytes(of: lm, toByteOffset: j + 4, as: UInt8.self)
      } else {
        packed.storeBytes(of: (ls & 0x0F) | ((lm & 0x0F) << 4), toByteOffset: j + 4, as: UInt8.self)
        let low = packed.load(fromByteOffset: j - 4, as: UInt8.self)
        packed.storeBytes(of: low | ((ls >> 4) << 6), toByteOffset: j - 4, as: UInt8.self)
        let high = packed.load(fromByteOffset: j, as: UInt8.self)
        packed.storeBytes(of: high | ((lm >> 4) << 6), toByteOffset: j, as: UInt8.self)
      }
    }
    let d = Float16(maxScale / 63)
    let dmin = Float16(maxMin / 63)
    block.storeBytes(of: d.bitPattern.littleEndian, as: UInt16.self)
    block.storeBytes(of: dmin.bitPattern.littleEndian, toByteOffset: 2, as: UInt16.self)
    for j in 0..<8 {
      let (sc, m) = scaleAndMin(packed, j)
      let scale = Float(d) * Float(sc)
      // A zero scale keeps the codes the fit chose (ggml's `if (!d) continue`).
      if scale == 0 { continue }
      let offset = Float(dmin) * Float(m)
      for l in 0..<32 {
        codes[32 * j + l] = UInt8(max(0, min(levels, nearestInt((x[32 * j + l] + offset) / scale))))
      }
    }
    let qs = block + (fifthBit ? 48 : 16)
    if fifthBit { (block + 16).initializeMemory(as: UInt8.self, repeating: 0, count: 32) }
    for pair in 0..<4 {
      for l in 0..<32 {
        var low = codes[64 * pair + l]
        var high = codes[64 * pair + 32 + l]
        if fifthBit {
          let qh = block + 16 + l
          var bits = qh.load(as: UInt8.self)
          if low > 15 {
            low -= 16
            bits |= 1 << UInt8(2 * pair)
          }
          if high > 15 {
            high -= 16
            bits |= 2 << UInt8(2 * pair)
          }
          qh.storeBytes(of: bits, as: UInt8.self)
        }
        qs.storeBytes(of: low | (high << 4), toByteOffset: 32 * pair + l, as: UInt8.self)
      }
    }
  }

  /// ggml's `make_qkx2_quants` (sum of squared errors): codes `0...levels` with `x ≈ scale *
  /// code - min`, starting from the range and trying `steps + 1` further scales, each refit by
  /// weighted least squares. Returns the scale and the (non-negative) min.
  private static func fitScaleAndMin(
    _ x: UnsafePointer<Float>, count n: Int, levels: Int, weights: UnsafeBufferPointer<Float>,
    codes: UnsafeMutableBufferPointer<UInt8>, trial: UnsafeMutableBufferPointer<UInt8>, rmin: Float,
    rdelta: Float, steps: Int
  ) -> (scale: Float, min: Float) {
    var low = x[0]
    var high = x[0]
    let sumW0 = weights[0]
    var sumW = sumW0
    var sumX = sumW0 * x[0]
    for i in 1..<n {
      if x[i] < low { low = x[i] }
      if x[i] > high { high = x[i] }
      let w = weights[i]
      sumW += w
      sumX += w * x[i]
    }
    if low > 0 { low = 0 }
    if high == low {
      codes.update(repeating: 0)
      return (0, -low)
    }
    let top = Float(levels)
    var inverse = top / (high - low)
    var scale = 1 / inverse
    var bestError: Float = 0
    for i in 0..<n {
      codes[i] = UInt8(max(0, min(levels, nearestInt(inverse * (x[i] - low)))))
      let diff = scale * Float(codes[i]) + low - x[i]
      bestError += weights[i] * (diff * diff)
    }
    for step in 0...steps {
      inverse = (rmin + rdelta * Float(step) + top) / (high - low)
      var sumL: Float = 0
      var sumL2: Float = 0
      var sumXL: Float = 0
      for i in 0..<n {
        let l = max(0, min(levels, nearestInt(inverse * (x[i] - low))))
        trial[i] = UInt8(l)
        let w = weights[i]
        let fl = Float(l)
        sumL += w * fl
        sumL2 += w * fl * fl
        sumXL += w * fl * x[i]
      }
      let determinant = sumW * sumL2 - sumL * sumL
      guard determinant > 0 else { continue }
      var thisScale = (sumW * sumXL - sumX * sumL) / determinant
      var thisMin = (sumL2 * sumX - sumL * sumXL) / determinant
      if thisMin > 0 {
        thisMin = 0
        thisScale = sumXL / sumL2
      }
      var error: Float = 0
      for i in 0..<n {
        let diff = thisScale * Float(trial[i]) + thisMin - x[i]
        error += weights[i] * (diff * diff)
      }
      if error < bestError {
        _ = codes.update(fromContentsOf: trial)
        bestError = error
        scale = thisScale
        low = thisMin
      }
    }
    return (scale, -low)
  }

  /// One Q6_K super-block: sixteen sub-blocks of 16, each fit by `fitSymmetricScale`; the
  /// scales are stored as int8 multiples of the block's f16 `d` (the largest maps to -128),
  /// and the codes are recomputed from the stored scales.
  private static func encodeQ6_K(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
    var codes = [Int8](repeating: 0, count: 256)
    var scales = [Float](repeating: 0, count: 16)
    var maxScale: Float = 0
    var maxAbsScale: Float = 0
    codes.withUnsafeMutableBufferPointer { codes in
      for s in 0..<16 {
        let scale = fitSymmetricScale(
          x + 16 * s, count: 16,
          codes: UnsafeMutableBufferPointer(rebasing: codes[(16 * s)..<(16 * s + 16)]))
        scales[s] = scale
        if abs(scale) > maxAbsScale {
          maxAbsScale = abs(scale)
          maxScale = scale
        }
      }
    }
    if maxAbsScale < 1e-15 {  // ggml's GROUP_MAX_EPS: an all-zero block
      block.initializeMemory(as: UInt8.self, repeating: 0, count: DType.q6_K.blockBytes)
      return
    }
    let inverse = -128 / maxScale
    let d = Float16(1 / inverse)
    block.storeBytes(of: d.bitPattern.littleEndian, toByteOffset: 208, as: UInt16.self)
    for s in 0..<16 {
      let stored = Int8(truncatingIfNeeded: min(127, nearestInt(inverse * scales[s])))
      block.storeBytes(of: stored, toByteOffset: 192 + s, as: Int8.self)
      let scale = Float(d) * Float(stored)
      if scale == 0 { continue }
      for i in 0..<16 {
        codes[16 * s + i] = Int8(max(-32, min(31, nearestInt(x[16 * s + i] / scale))) + 32)
      }
    }
    for half in 0..<2 {
      let ql = block + 64 * half
      let qh = block + 128 + 32 * half
      let c = { (r: Int, l: Int) in UInt8(codes[128 * half + 32 * r + l]) }
      for l in 0..<32 {
        ql.storeBytes(
          of: (c(0, l) & 0x0F) | ((c(2, l) & 0x0F) << 4), toByteOffset: l, as: UInt8.self)
        ql.storeBytes(
          of: (c(1, l) & 0x0F) | ((c(3, l) & 0x0F) << 4), toByteOffset: 32 + l, as: UInt8.self)
        let bits =
          (c(0, l) >> 4) | ((c(1, l) >> 4) << 2) | ((c(2, l) >> 4) << 4) | ((c(3, l) >> 4) << 6)
        qh.storeBytes(of: bits, toByteOffset: l, as: UInt8.self)
      }
    }
  }

  /// ggml's `make_qx_quants` with `nmax` 32 and weights x² (`rmse_type` 1): signed codes
  /// -32...31 stored as 0...63, from the element of largest magnitude, then 18 nearby scales
  /// kept when their least-squares fit is better. Returns the scale.
  private static func fitSymmetricScale(
    _ x: UnsafePointer<Float>, count n: Int, codes: UnsafeMutableBufferPointer<Int8>
  ) -> Float {
    let levels = 32
    var extreme: Float = 0
    var largest: Float = 0
    for i in 0..<n where abs(x[i]) > largest {
      largest = abs(x[i])
      extreme = x[i]
    }
    if largest < 1e-15 {
      codes.update(repeating: 0)
      return 0
    }
    let code = { (inverse: Float, i: Int) in
      max(-levels, min(levels - 1, nearestInt(inverse * x[i])))
    }
    var inverse = Float(-levels) / extreme
    var sumLX: Float = 0
    var sumL2: Float = 0
    for i in 0..<n {
      let l = code(inverse, i)
      codes[i] = Int8(l + levels)
      let w = x[i] * x[i]
      sumLX += w * x[i] * Float(l)
      sumL2 += w * Float(l) * Float(l)
    }
    var scale: Float = sumL2 != 0 ? sumLX / sumL2 : 0
    var best = scale * sumLX
    for step in -9...9 where step != 0 {
      inverse = -(Float(levels) + 0.1 * Float(step)) / extreme
      sumLX = 0
      sumL2 = 0
      for i in 0..<n {
        let l = Float(code(inverse, i))
        let w = x[i] * x[i]
        sumLX += w * x[i] * l
        sumL2 += w * l * l
      }
      if sumL2 > 0, sumLX * sumLX > best * sumL2 {
        for i in 0..<n { codes[i] = Int8(code(inverse, i) + levels) }
        scale = sumLX / sumL2
        best = scale * sumLX
      }
    }
    return scale
  }
}
