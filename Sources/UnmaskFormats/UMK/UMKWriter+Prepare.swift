import Foundation
import UnmaskKernels

/// A tensor ready to be stored: the source bytes untouched, or a cast or quantized copy.
struct PreparedTensor {
  var dtype: DType
  var view: TensorView
  var owned: OwnedBytes?
  var count: Int

  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    if let owned {
      return try body(
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(owned.bytes)[0..<count]))
    }
    return try body(view.bytes)
  }
}

extension UMKWriter {
  /// Applies `--dtype` and `--quantize` to one tensor: `quantizeTo` is the type the plan of
  /// `UMKQuantization.plan` gives it (nil: not quantized).
  ///
  /// A tensor that is already quantized (read from a `.umk`) stays as it is unless asked
  /// otherwise: a plan type dequantizes and requantizes it, and `--dtype` without one
  /// dequantizes it to that float type.
  static func prepare(
    _ view: TensorView, quantizeTo quantized: DType?, options: UMKConvertOptions,
    location: String
  ) throws -> PreparedTensor {
    var target = view.dtype
    if view.dtype.isFloatingPoint, let cast = options.dtype.dtype {
      target = cast
    }
    if let quantized { target = quantized }
    guard target != view.dtype else {
      return PreparedTensor(dtype: view.dtype, view: view, owned: nil, count: view.bytes.count)
    }
    let n = view.elementCount
    guard let size = target.storageSize(elements: n) else {
      throw CheckpointError(
        path: location, item: view.name, "\(n) elements cannot be stored as \(target.rawValue)")
    }
    let owned = OwnedBytes(count: size)
    guard let out = owned.bytes.baseAddress else {
      return PreparedTensor(dtype: target, view: view, owned: owned, count: size)
    }
    // Widen in slices so a large matrix never needs a full Float copy at once; slices are
    // independent, so the K-quants' slow fits run on every core.
    let slice = 1 << 16  // a multiple of 256, so quantization blocks never straddle slices
    let slices = (n + slice - 1) / slice
    let parallel = target.isKQuant && slices > 1
    let threads = parallel ? max(1, min(options.encode.threads, slices)) : 1
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
      var floats = [Float](repeating: 0, count: min(n, slice))
      floats.withUnsafeMutableBufferPointer { f in
        guard let fp = f.baseAddress else { return }
        for index in stride(from: worker, to: slices, by: threads) {
          let done = index * slice
          let m = min(slice, n - done)
          view.convertElements(done..<(done + m), into: fp)
          store(fp, count: m, at: done, as: target, into: out)
        }
      }
    }
    return PreparedTensor(dtype: target, view: view, owned: owned, count: size)
  }

  /// Writes `count` floats, elements `first...` of a tensor, into its storage `out` as `type`.
  private static func store(
    _ fp: UnsafePointer<Float>, count m: Int, at first: Int, as type: DType,
    into out: UnsafeMutableRawPointer
  ) {
    let blocks = m / type.blockElements
    let at = out + (first / type.blockElements) * type.blockBytes
    switch type {
    case .q8_0: Quantization.quantizeQ8_0(fp, blocks: blocks, into: at)
    case .q4_0: Quantization.quantizeQ4_0(fp, blocks: blocks, into: at)
    case .q4_K: Quantization.quantizeQ4_K(fp, blocks: blocks, into: at)
    case .q5_K: Quantization.quantizeQ5_K(fp, blocks: blocks, into: at)
    case .q6_K: Quantization.quantizeQ6_K(fp, blocks: blocks, into: at)
    case .bf16:
      let o = out.assumingMemoryBound(to: UInt16.self) + first
      for i in 0..<m { o[i] = FloatConversion.bfloat16(from: fp[i]).littleEndian }
    case .f16:
      let o = out.assumingMemoryBound(to: UInt16.self) + first
      for i in 0..<m { o[i] = FloatConversion.float16(from: fp[i]).littleEndian }
    default:  // .f32
      (out.assumingMemoryBound(to: Float.self) + first).update(from: fp, count: m)
    }
  }
}
