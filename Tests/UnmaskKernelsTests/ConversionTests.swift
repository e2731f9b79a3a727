import Foundation
import Testing
import UnmaskCore
@testable import UnmaskKernels

@Test func bfloat16RoundsToNearestEven() {
  // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even one (1.0).
  #expect(FloatConversion.bfloat16(from: 1 + 1.0 / 256) == 0x3F80)
  // 1 + 3·2^-8 is halfway too; the even neighbour is 1 + 2^-6 (0x3F82).
  #expect(FloatConversion.bfloat16(from: 1 + 3.0 / 256) == 0x3F82)
  #expect(FloatConversion.bfloat16(from: -2) == 0xC000)
  #expect(FloatConversion.float(fromBFloat16: 0x3F80) == 1)
  #expect(FloatConversion.bfloat16(from: .nan) & 0x7FC0 == 0x7FC0)
  #expect(FloatConversion.float(fromFloat16: FloatConversion.float16(from: 0.5)) == 0.5)
}

@Test func linearGivesTheSameResultFromBFloat16AndItsFloat32Widening() throws {
  var generator = SplitMix64(seed: 3)
  let out = 70, inFeatures = 48, rows = 5
  let bits = (0..<(out * inFeatures)).map { _ in
    FloatConversion.bfloat16(from: generator.nextFloat() - 0.5)
  }
  let widened = bits.map(FloatConversion.float(fromBFloat16:))
  let x = (0..<(rows * inFeatures)).map { _ in generator.nextFloat() - 0.5 }
  func run(_ dtype: DType, _ bytes: UnsafeRawBufferPointer) throws -> [Float] {
    let layer = try Linear(
      weight: TensorView(
        name: "w", dtype: dtype, shape: [out, inFeatures], bytes: bytes, owner: nil))
    var y = [Float](repeating: 0, count: rows * out)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer {
        layer.apply(xp.baseAddress!, rows: rows, into: $0.baseAddress!)
      }
    }
    return y
  }
  let fromBF16 = try bits.withUnsafeBytes { try run(.bf16, $0) }
  let fromF32 = try widened.withUnsafeBytes { try run(.f32, $0) }
  var naive = [Float](repeating: 0, count: rows * out)
  for r in 0..<rows {
    for o in 0..<out {
      var s: Double = 0
      for i in 0..<inFeatures {
        s += Double(x[r * inFeatures + i]) * Double(widened[o * inFeatures + i])
      }
      naive[r * out + o] = Float(s)
    }
  }
  for i in 0..<naive.count {
    #expect(abs(fromBF16[i] - naive[i]) <= 1e-5)
    #expect(abs(fromF32[i] - naive[i]) <= 1e-5)
  }
}

@Test func linearRejectsWrongShapes() throws {
  let bytes = [Float](repeating: 0, count: 6)
  try bytes.withUnsafeBytes { raw in
    #expect(throws: ShapeError.self) {
      try Linear(weight: TensorView(name: "w", dtype: .f32, shape: [6], bytes: raw, owner: nil))
    }
    let w = TensorView(name: "w", dtype: .f32, shape: [2, 3], bytes: raw, owner: nil)
    let b = TensorView(
      name: "b", dtype: .f32, shape: [3], bytes: UnsafeRawBufferPointer(rebasing: raw[0..<12]),
      owner: nil)
    #expect(throws: ShapeError.self) { try Linear(weight: w, bias: b) }
  }
}

@Test func npyRoundTripsAndAlignsData() throws {
  let data = NumPyFile.float32([1, 2, 3, 4, 5, 6], shape: [2, 3])
  let header = NumPyFile.header(descr: "<f4", shape: [2, 3])
  #expect(header.count % 64 == 0)
  let (shape, values) = try NumPyFile.readFloat32(data, source: "test")
  #expect(shape == [2, 3])
  #expect(values == [1, 2, 3, 4, 5, 6])
}
