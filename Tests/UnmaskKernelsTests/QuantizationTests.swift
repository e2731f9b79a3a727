import Foundation
import Testing

import UnmaskCore
@testable import UnmaskKernels

/// The largest error a correct q8_0 / q4_0 round trip may leave on `x`, an element of a block
/// whose float32 scale is `d` (q8_0: `max|x| / 127`; q4_0: `extreme / -8`), when the block
/// stores `d` rounded to float16 as `stored`.
///
/// Rounding to the nearest level leaves at most half a step, `|d| / 2`; storing the scale as
/// float16 moves level `q` by `|q| * |d - stored|`; q4_0's levels run `d * [-8, 7]`, so on the
/// side opposite the extreme a value past `7.5 d` clamps to `7 d` (its error is the distance
/// to that level). A slack of 1e-4 steps covers float32 rounding of `x / d`. Truncating
/// instead of rounding leaves errors up to a whole step and fails this bound.
func quantizationErrorBound(x: Float, d: Float, stored: Float, levels: ClosedRange<Float>)
  -> Float
{
  guard d != 0 else { return 0 }
  let t = x / d
  let q = min(max(t.rounded(), levels.lowerBound), levels.upperBound)
  let rounding = max(abs(t - q), 0.5) * abs(d) + 1e-4 * abs(d)
  // The level reached is q or, for a t within float32 rounding of a tie, its neighbour: the
  // float16 term takes the larger of the two.
  let level = min(abs(t) + 0.5, max(-levels.lowerBound, levels.upperBound))
  return rounding + level * abs(d - stored)
}

/// The float32 scale ggml computes for a block, and the levels it quantizes to.
func blockScale(_ block: ArraySlice<Float>, dtype: DType) -> (d: Float, levels: ClosedRange<Float>)
{
  if dtype == .q8_0 { return ((block.map(abs).max() ?? 0) / 127, -127...127) }
  var extreme: Float = 0
  for x in block where abs(x) > abs(extreme) { extreme = x }
  return (extreme / -8, -8...7)
}

func quantize(_ values: [Float], _ dtype: DType) -> [UInt8] {
  let blocks = values.count / 32
  var packed = [UInt8](repeating: 0, count: dtype.blockBytes * blocks)
  values.withUnsafeBufferPointer { source in
    packed.withUnsafeMutableBytes { destination in
      guard let x = source.baseAddress, let out = destination.baseAddress else { return }
      if dtype == .q8_0 {
        Quantization.quantizeQ8_0(x, blocks: blocks, into: out)
      } else {
        Quantization.quantizeQ4_0(x, blocks: blocks, into: out)
      }
    }
  }
  return packed
}

func dequantize(_ packed: [UInt8], _ dtype: DType, count: Int) -> [Float] {
  packed.withUnsafeBytes { bytes in
    TensorView(name: "w", dtype: dtype, shape: [count / 32, 32], bytes: bytes, owner: nil).floats()
  }
}

@Test(arguments: [DType.q8_0, .q4_0])
func quantizationRoundTripStaysWithinHalfAStep(dtype: DType) throws {
  var generator = SplitMix64(seed: 7)
  let values = (0..<(32 * 64)).map { _ in generator.nextFloat() * 4 - 2 }
  let packed = quantize(values, dtype)
  let restored = dequantize(packed, dtype, count: values.count)
  var worst: Float = 0
  for block in 0..<(values.count / 32) {
    let slice = values[(block * 32)..<((block + 1) * 32)]
    let (d, levels) = blockScale(slice, dtype: dtype)
    let stored = Float(
      Float16(
        bitPattern: UInt16(packed[block * dtype.blockBytes])
          | UInt16(packed[block * dtype.blockBytes + 1]) << 8))
    #expect(stored == Float(Float16(d)), "block \(block): the scale is d rounded to float16")
    for j in slice.indices {
      let error = abs(restored[j] - values[j])
      let bound = quantizationErrorBound(x: values[j], d: d, stored: stored, levels: levels)
      worst = max(worst, error / abs(d))
      #expect(error <= bound, "block \(block) element \(j): error \(error), bound \(bound)")
    }
  }
  print("\(dtype): worst round-trip error \(worst) quantization steps")
}

/// Unmask's q8_0 / q4_0 blocks are ggml's, byte for byte: `Tests/Fixtures/quant/ggml-blocks.json`
/// holds floats quantized by the `gguf` package (an independent implementation of ggml's
/// formats) and the floats its `dequantize` gives back (scripts/fixtures/make_quant_golden.py).
@Test(arguments: [DType.q8_0, .q4_0])
func quantizedBlocksMatchGGUFByteForByte(dtype: DType) throws {
  struct Golden: Decodable {
    var gguf_version: String
    var block_names: [String]
    var values_f32le: String
    var q8_0: String
    var q8_0_dequantized_f32le: String
    var q4_0: String
    var q4_0_dequantized_f32le: String
  }
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/quant/ggml-blocks.json")
  let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map {
      UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)!
    }
  }
  func floats(_ hex: String) -> [Float] {
    bytes(hex).withUnsafeBytes { raw in
      (0..<(raw.count / 4)).map {
        Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
      }
    }
  }
  let values = floats(golden.values_f32le)
  let reference = bytes(dtype == .q8_0 ? golden.q8_0 : golden.q4_0)
  let referenceFloats = floats(
    dtype == .q8_0 ? golden.q8_0_dequantized_f32le : golden.q4_0_dequantized_f32le)
  #expect(values.count == 32 * golden.block_names.count)
  #expect(reference.count == dtype.blockBytes * golden.block_names.count)

  let ours = quantize(values, dtype)
  for (b, name) in golden.block_names.enumerated() {
    let range = (b * dtype.blockBytes)..<((b + 1) * dtype.blockBytes)
    #expect(Array(ours[range]) == Array(reference[range]), "\(dtype) block \(b) (\(name))")
  }
  let restored = dequantize(reference, dtype, count: values.count)
  #expect(restored.map(\.bitPattern) == referenceFloats.map(\.bitPattern), "\(dtype) dequantize")
  print("\(dtype): \(golden.block_names.count) blocks equal gguf \(golden.gguf_version)'s")
}
