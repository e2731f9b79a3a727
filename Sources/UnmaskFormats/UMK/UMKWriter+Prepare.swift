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
  /// Applies `--dtype` and `--quantize` to one tensor (floating tensors only; the rule for
  /// quantization is `UMKQuantization.applies`).
  ///
  /// A tensor that is already quantized (read from a `.umk`) stays as it is unless asked
  /// otherwise: `--quantize` to the other block type dequantizes and requantizes it, and
  /// `--dtype` without `--quantize` dequantizes it to that float type.
  static func prepare(_ view: TensorView, options: UMKConvertOptions, location: String) throws
    -> PreparedTensor
  {
    var target = view.dtype
    if view.dtype.isFloatingPoint, let cast = options.dtype.dtype {
      target = cast
    }
    if let q = options.quantize.dtype,
      view.dtype.isQuantized
        || UMKQuantization.applies(name: view.name, dtype: view.dtype, shape: view.shape)
    {
      target = q
    }
    guard target != view.dtype else {
      return PreparedTensor(dtype: view.dtype, view: view, owned: nil, count: view.bytes.count)
    }
    let n = view.elementCount
    guard let size = target.storageSize(elements: n) else {
      throw CheckpointError(
        path: location, item: view.name, "\(n) elements cannot be stored as \(target.rawValue)")
    }
    let owned = OwnedBytes(count: size)
    // Widen in slices so a large matrix never needs a full Float copy at once.
    let slice = 1 << 16  // a multiple of 32, so quantization blocks never straddle slices
    var floats = [Float](repeating: 0, count: min(n, slice))
    var done = 0
    while done < n {
      let m = min(slice, n - done)
      floats.withUnsafeMutableBufferPointer { f in
        guard let fp = f.baseAddress, let out = owned.bytes.baseAddress else { return }
        view.convertElements(done..<(done + m), into: fp)
        switch target {
        case .q8_0:
          Quantization.quantizeQ8_0(
            fp, blocks: m / 32, into: out + (done / 32) * DType.q8_0.blockBytes)
        case .q4_0:
          Quantization.quantizeQ4_0(
            fp, blocks: m / 32, into: out + (done / 32) * DType.q4_0.blockBytes)
        case .bf16:
          let o = out.assumingMemoryBound(to: UInt16.self) + done
          for i in 0..<m { o[i] = FloatConversion.bfloat16(from: fp[i]).littleEndian }
        case .f16:
          let o = out.assumingMemoryBound(to: UInt16.self) + done
          for i in 0..<m { o[i] = FloatConversion.float16(from: fp[i]).littleEndian }
        default:  // .f32
          (out.assumingMemoryBound(to: Float.self) + done).update(from: fp, count: m)
        }
      }
      done += m
    }
    return PreparedTensor(dtype: target, view: view, owned: owned, count: size)
  }
}
