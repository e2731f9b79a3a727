import Foundation
import Testing

import CUnmaskKernels
import UnmaskCore
@testable import UnmaskKernels

/// The K-quants (Q4_K, Q5_K, Q6_K): dequantization against gguf-py bit for bit, and the GEMM
/// that reads their blocks against the float product of the dequantized weights.

/// Unmask dequantizes K-quant blocks to the floats the `gguf` package gives, bit for bit:
/// `Tests/Fixtures/quant/kquant-blocks.json` (scripts/fixtures/make_kquant_goldens.py) holds
/// random blocks of each type and gguf-py's `dequantize` of them.
@Test(arguments: [DType.q4_K, .q5_K, .q6_K])
func kQuantDequantizationEqualsGGUFBitForBit(dtype: DType) throws {
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/quant/kquant-blocks.json")
  let golden = try #require(
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
  let names = try #require(golden["block_names"] as? [String])
  let blocks = hexBytes(try #require(golden[dtype.rawValue.lowercasedPrefix] as? String))
  let expected = hexBytes(
    try #require(golden[dtype.rawValue.lowercasedPrefix + "_dequantized_f32le"] as? String))
  #expect(blocks.count == names.count * dtype.blockBytes)
  #expect(expected.count == names.count * 256 * 4)
  let ours = blocks.withUnsafeBytes { raw in
    TensorView(name: "golden", dtype: dtype, shape: [names.count, 256], bytes: raw, owner: nil)
      .floats()
  }
  for (b, name) in names.enumerated() {
    var differing = 0
    for i in (256 * b)..<(256 * (b + 1)) {
      let bits = expected.withUnsafeBytes {
        $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
      }
      if ours[i].bitPattern != UInt32(littleEndian: bits) { differing += 1 }
    }
    #expect(differing == 0, "\(dtype) block \(b) (\(name)): \(differing) of 256 floats differ")
  }
}

extension String {
  /// `Q4_K` -> `q4_K`: the golden file's keys.
  fileprivate var lowercasedPrefix: String { prefix(1).lowercased() + dropFirst() }
}

/// Bytes from a hex string.
private func hexBytes(_ hex: String) -> [UInt8] {
  let digits = Array(hex.utf8)
  return stride(from: 0, to: digits.count, by: 2).map {
    UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16) ?? 0
  }
}

/// The test encoder's blocks hold the floats they were made from, to within a step of their
/// sub-block's scale: a check on the encoder that the GEMM tests build their weights with.
@Test(arguments: [DType.q4_K, .q5_K, .q6_K])
func testEncoderRoundTripsWithinAStep(dtype: DType) throws {
  var generator = SplitMix64(seed: 5)
  let values = (0..<(4 * 256)).map { _ in generator.nextUniform(scale: 0.5) }
  let blocks = KQuantEncoder.encode(values, as: dtype)
  let back = blocks.withUnsafeBytes {
    TensorView(name: "w", dtype: dtype, shape: [4, 256], bytes: $0, owner: nil).floats()
  }
  let worst = zip(values, back).map { abs($0 - $1) }.max() ?? 0
  // Steps: Q4_K spans 1.0 in 15 levels, Q5_K in 31, Q6_K 0.5 in 31; plus scale rounding.
  let bound: Float = dtype == .q4_K ? 0.06 : dtype == .q5_K ? 0.03 : 0.02
  print("\(dtype.rawValue) test encoder: worst round-trip error \(worst)")
  #expect(worst <= bound)
}

/// Shapes for K-quants (k a multiple of 256): one row; rows and outputs not multiples of the
/// 4-row tiles; more outputs than one work item; a long k; and from 32 rows, the AVX-512
/// outer-product kernel's full and partial 6-row tiles and 16-column panels.
let kQuantShapes: [(rows: Int, k: Int, n: Int)] = [
  (1, 256, 1), (7, 512, 5), (13, 256, 50), (9, 2816, 11), (33, 1024, 97), (64, 512, 16),
  (45, 2816, 7),
]

/// The K-quant GEMM equals the float32 GEMM on the dequantized weights (the `.blas` path widens
/// them) within the q8 rounding of the activations, the tolerance of the q4_0 kernels; every
/// vector path equals the scalar one up to the order of the float sums.
@Test(arguments: [DType.q4_K, .q5_K, .q6_K])
func kQuantWeightsMatchTheDequantizedProduct(dtype: DType) throws {
  for (i, shape) in kQuantShapes.enumerated() {
    let (linear, x, _) = try randomCase(
      dtype, shape, weightSeed: 40 + UInt64(i), activationSeed: 300 + UInt64(i))
    let scalar = try run(linear, x, rows: shape.rows, on: .scalar)
    let dequantized = try run(linear, x, rows: shape.rows, on: .blas)
    let gap = relativeGap(scalar, dequantized)
    print("\(dtype.rawValue) \(shape) scalar vs dequantized f32: gap \(gap) of max |y|")
    #expect(gap <= 2e-2, "scalar \(dtype) \(shape)")
    for path in vectorPaths {
      let vector = relativeGap(try run(linear, x, rows: shape.rows, on: path), scalar)
      print("\(dtype.rawValue) \(shape) \(path.rawValue) vs scalar: gap \(vector) of max |y|")
      #expect(vector <= 1e-5, "\(path) \(dtype) \(shape)")
    }
  }
}

/// The AVX-512 VNNI K-quant tiles (below 32 activation rows) add each super-block's int32 dots
/// across their lanes and then take the outer-product kernel's float steps (from 32 rows), so a
/// row's outputs are the same bits with a few rows (a step's logit rows) as with the canvas.
@Test(arguments: [DType.q4_K, .q5_K, .q6_K])
func kQuantAVX512TilesGiveTheOuterProductsBits(dtype: DType) throws {
  guard KernelPath.avx512.isSupported else {
    print("kQuantAVX512TilesGiveTheOuterProductsBits: no AVX-512 on this CPU, nothing to compare")
    return
  }
  let kernel = uk_has_avx512_vnni() != 0 ? "VNNI" : "= AVX2"
  print("\(dtype.rawValue): AVX-512 K-quant kernel \(kernel)")
  for (i, shape) in kQuantShapes.enumerated() where shape.rows >= 32 {
    let (linear, x, _) = try randomCase(
      dtype, shape, weightSeed: 70 + UInt64(i), activationSeed: 700 + UInt64(i))
    let all = try run(linear, x, rows: shape.rows, on: .avx512)
    for (first, count) in [(0, 1), (3, 2), (shape.rows - 31, 31)] {
      let k = shape.k
      let n = shape.n
      let part = try run(
        linear, Array(x[(first * k)..<((first + count) * k)]), rows: count, on: .avx512)
      let whole = Array(all[(first * n)..<((first + count) * n)])
      let differing = zip(part, whole).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(differing == 0, "\(dtype) \(shape) rows \(first)+\(count): \(differing) differ")
    }
  }
}

/// A K-quant weight whose rows are not whole super-blocks is refused naming the block size.
@Test func kQuantRowsMustBeWholeSuperBlocks() throws {
  let bytes = [UInt8](repeating: 0, count: DType.q4_K.blockBytes * 2)
  try bytes.withUnsafeBytes { raw in
    let view = TensorView(name: "w", dtype: .q4_K, shape: [4, 128], bytes: raw, owner: nil)
    #expect { _ = try Linear(weight: view) } throws: {
      "\($0)".contains("whole blocks of 256")
    }
  }
}

/// K-quant activations are ggml's Q8_K (`quantize_row_q8_K_ref`): per 256, the first element
/// of largest magnitude maps to -127 (its sign decides d's), codes round half to even and stop
/// at 127, and d is written once per block of 32.
@Test func kQuantActivationsAreQ8K() throws {
  var x = (0..<512).map { Float(sin(Double($0) * 0.37)) * 3 }
  x[5] = -4  // super-block 0: first of largest magnitude, negative
  x[9] = 4
  x[256 + 3] = 8  // super-block 1: positive
  x[256 + 17] = 0.5 * 8 / 127 * 3  // exactly 1.5 codes: rounds to the even 2
  var q = [Int8](repeating: 0, count: 512)
  var d = [Float](repeating: 0, count: 16)
  uk_quantize_q8_k(x, 1, 512, &q, &d)
  for sb in 0..<2 {
    let v = Array(x[(sb * 256)..<((sb + 1) * 256)])
    let amax = v.map(abs).max() ?? 0
    let first = try #require(v.first { abs($0) == amax })
    let iscale = -127 / first
    for j in 0..<256 {
      let expected = min(127, Int((iscale * v[j]).rounded(.toNearestOrEven)))
      #expect(Int(q[sb * 256 + j]) == expected, "super-block \(sb), element \(j)")
    }
    #expect(d[(sb * 8)..<((sb + 1) * 8)].allSatisfy { $0 == 1 / iscale })
  }
  #expect(q[5] == -127 && q[9] == 127 && d[0] > 0)  // d = -max / 127 with max = -4
  #expect(q[256 + 3] == -127 && d[8] < 0)
  #expect(q[256 + 17] == -2)  // -1.5 codes, to even
  var zeros = [Int8](repeating: 1, count: 256)
  var zeroScale = [Float](repeating: 1, count: 8)
  uk_quantize_q8_k([Float](repeating: 0, count: 256), 1, 256, &zeros, &zeroScale)
  #expect(zeros.allSatisfy { $0 == 0 } && zeroScale.allSatisfy { $0 == 0 })
}
