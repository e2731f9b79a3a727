/// Widening any floating tensor to `Float`, the one compute type of the engine.
///
/// Reads are unaligned-safe: safetensors data sections start at `8 + header length`, which need
/// not be a multiple of the element size.
extension TensorView {
  /// Writes rows `rows` of the matrix view (see `matrixShape`) as `Float` into `destination`,
  /// which must have room for `rows.count * matrixShape.columns` values.
  ///
  /// - Complexity: O(rows × columns); no allocation.
  public func convertRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
    let columns = matrixShape.columns
    let first = rows.lowerBound * columns
    convertElements(first..<(rows.upperBound * columns), into: destination)
  }

  /// Writes elements `range` (flat index) as `Float` into `destination`.
  ///
  /// For quantized types the range must start and end on a block boundary (multiples of 32, or
  /// of 256 for the K-quants).
  public func convertElements(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
    guard let base = bytes.baseAddress, !range.isEmpty else { return }
    if readsOnDemand, let start = dtype.storageSize(elements: range.lowerBound),
      let end = dtype.storageSize(elements: range.upperBound)
    {
      prepare(start..<end)
    }
    let count = range.count
    switch dtype {
    case .f32:
      UnsafeMutableRawPointer(destination).copyMemory(
        from: base + range.lowerBound * 4, byteCount: count * 4)
    case .bf16:
      let source = base + range.lowerBound * 2
      for i in 0..<count {
        let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        destination[i] = Float(bitPattern: UInt32(bits) << 16)
      }
    case .f16:
      let source = base + range.lowerBound * 2
      for i in 0..<count {
        let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        destination[i] = Float(Float16(bitPattern: bits))
      }
    case .f64:
      let source = base + range.lowerBound * 8
      for i in 0..<count {
        destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
      }
    case .q8_0:
      Quantization.dequantizeQ8_0(
        base + (range.lowerBound / 32) * DType.q8_0.blockBytes, blocks: count / 32,
        into: destination)
    case .q4_0:
      Quantization.dequantizeQ4_0(
        base + (range.lowerBound / 32) * DType.q4_0.blockBytes, blocks: count / 32,
        into: destination)
    case .q4_K:
      Quantization.dequantizeQ4_K(
        base + (range.lowerBound / 256) * DType.q4_K.blockBytes, blocks: count / 256,
        into: destination)
    case .q5_K:
      Quantization.dequantizeQ5_K(
        base + (range.lowerBound / 256) * DType.q5_K.blockBytes, blocks: count / 256,
        into: destination)
    case .q6_K:
      Quantization.dequantizeQ6_K(
        base + (range.lowerBound / 256) * DType.q6_K.blockBytes, blocks: count / 256,
        into: destination)
    case .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool:
      let source = base + range.lowerBound * dtype.blockBytes
      for i in 0..<count { destination[i] = Float(integerAt: source, index: i, dtype: dtype) }
    }
  }

  /// All elements widened to `Float` (allocates; for small tensors such as norms and biases).
  public func floats() -> [Float] {
    [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
      if let base = buffer.baseAddress { convertElements(0..<elementCount, into: base) }
      initialized = elementCount
    }
  }
}

extension Float {
  /// The integer element `index` of `dtype` at `base`, widened to `Float`.
  @usableFromInline
  init(integerAt base: UnsafeRawPointer, index i: Int, dtype: DType) {
    switch dtype {
    case .i64: self = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
    case .u64: self = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
    case .i32: self = Float(base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
    case .u32: self = Float(base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
    case .i16: self = Float(base.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
    case .u16: self = Float(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
    case .i8: self = Float(base.load(fromByteOffset: i, as: Int8.self))
    case .u8, .bool: self = Float(base.load(fromByteOffset: i, as: UInt8.self))
    default: self = .nan
    }
  }
}
