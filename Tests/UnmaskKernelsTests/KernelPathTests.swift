import CUnmaskKernels
import Foundation
import Testing

import UnmaskCore
@testable import UnmaskKernels

/// Every kernel path this CPU has, forced one at a time, against the portable scalar path and
/// against a float64 product of the widened weights. A machine without AVX512-BF16 still tests
/// AVX2 and scalar; the paths it cannot run are listed, not skipped silently.

/// Weight bytes that outlive the `TensorView` over them.
final class OwnedBytes {
  let buffer: UnsafeMutableRawBufferPointer
  init(count: Int) { buffer = .allocate(byteCount: max(count, 1), alignment: 64) }
  deinit { buffer.deallocate() }
}

/// One GEMM case of `shape`: a random `dtype` weight as a `Linear` (its float values `w`) and
/// random activations `x`, each from its own seed.
func randomCase(
  _ dtype: DType, _ shape: (rows: Int, k: Int, n: Int), weightSeed: UInt64,
  activationSeed: UInt64
) throws -> (linear: Linear, x: [Float], w: [Float]) {
  let (weight, w) = randomWeight(dtype, n: shape.n, k: shape.k, seed: weightSeed)
  return (
    try Linear(weight: weight),
    randomActivations(rows: shape.rows, k: shape.k, seed: activationSeed), w
  )
}

/// A `[n, k]` weight of `dtype` from seeded uniform values in ±0.5, and the float values it holds
/// (after rounding to the type).
func randomWeight(_ dtype: DType, n: Int, k: Int, seed: UInt64) -> (TensorView, [Float]) {
  var generator = SplitMix64(seed: seed)
  let values = (0..<(n * k)).map { _ in generator.nextUniform(scale: 0.5) }
  // swift-format-ignore: NeverForceUnwrap
  let size = dtype.storageSize(elements: n * k)!
  let owner = OwnedBytes(count: size)
  // swift-format-ignore: NeverForceUnwrap
  let raw = owner.buffer.baseAddress!
  switch dtype {
  case .f32:
    for (i, v) in values.enumerated() { raw.storeBytes(of: v, toByteOffset: 4 * i, as: Float.self) }
  case .bf16:
    for (i, v) in values.enumerated() {
      raw.storeBytes(of: FloatConversion.bfloat16(from: v), toByteOffset: 2 * i, as: UInt16.self)
    }
  case .q8_0:
    // swift-format-ignore: NeverForceUnwrap
    values.withUnsafeBufferPointer {
      Quantization.quantizeQ8_0($0.baseAddress!, blocks: n * k / 32, into: raw)
    }
  case .q4_0:
    // swift-format-ignore: NeverForceUnwrap
    values.withUnsafeBufferPointer {
      Quantization.quantizeQ4_0($0.baseAddress!, blocks: n * k / 32, into: raw)
    }
  case .q4_K, .q5_K, .q6_K:
    let blocks = KQuantEncoder.encode(values, as: dtype)
    raw.copyMemory(from: blocks, byteCount: blocks.count)
  default:
    fatalError("no test weights of \(dtype)")
  }
  let view = TensorView(
    name: "w", dtype: dtype, shape: [n, k],
    bytes: UnsafeRawBufferPointer(owner.buffer)[0..<size].rebased,
    owner: owner)
  return (view, view.floats())
}

extension Slice where Base == UnsafeRawBufferPointer {
  var rebased: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self) }
}

func randomActivations(rows: Int, k: Int, seed: UInt64) -> [Float] {
  var generator = SplitMix64(seed: seed)
  return (0..<(rows * k)).map { _ in generator.nextUniform(scale: 2) }
}

func run(_ linear: Linear, _ x: [Float], rows: Int, on path: KernelPath) throws -> [Float] {
  var y = [Float](repeating: .nan, count: rows * linear.outFeatures)
  try KernelPath.with(path) {
    // swift-format-ignore: NeverForceUnwrap
    x.withUnsafeBufferPointer { xs in
      y.withUnsafeMutableBufferPointer {
        linear.apply(xs.baseAddress!, rows: rows, into: $0.baseAddress!)
      }
    }
  }
  return y
}

/// max |a - b| / max |b|.
func relativeGap(_ a: [Float], _ b: [Float]) -> Float {
  var gap: Float = 0
  var scale: Float = 0
  for (x, y) in zip(a, b) {
    gap = max(gap, abs(x - y))
    scale = max(scale, abs(y))
  }
  return gap / max(scale, .leastNormalMagnitude)
}

/// The vector paths this CPU runs (the scalar and BLAS paths are the references).
let vectorPaths = KernelPath.available.filter { $0 != .scalar && $0 != .blas }

@Test func availablePathsAreListed() {
  print(
    "kernel paths on this CPU: \(KernelPath.available.map(\.rawValue)), best \(KernelPath.best)")
  #expect(KernelPath.available.contains(.scalar))
  #expect(KernelPath.available.contains(.blas))
  #expect(KernelPath.best.isSupported && KernelPath.best.isExact)
  let missing = KernelPath.allCases.filter { !$0.isSupported }
  if !missing.isEmpty { print("not testable here (CPU lacks them): \(missing.map(\.rawValue))") }
}

@Test func unsupportedPathsAreRefusedWithOneLine() throws {
  for path in KernelPath.allCases where !path.isSupported {
    #expect(throws: KernelPathError(path: path)) { try KernelPath.with(path) {} }
  }
  #expect(KernelPathError(path: .avx2).description.contains("'avx2'"))
}

/// Shapes with every edge: one row, rows not a multiple of any tile, k with a vector tail,
/// outputs narrower than a tile and spanning several; more rows than one L2 row block of the
/// panel GEMMs (400), and than the int8 outer-product kernels' threshold (32 and up).
let floatShapes: [(rows: Int, k: Int, n: Int)] = [
  (1, 16, 1), (7, 37, 5), (13, 200, 50), (20, 1024, 97), (400, 136, 45), (9, 1100, 130),
]
let quantizedShapes: [(rows: Int, k: Int, n: Int)] = [
  (1, 32, 1), (7, 96, 5), (13, 256, 50), (9, 2816, 11), (37, 256, 45), (64, 1024, 33),
]

@Test(arguments: [DType.f32, .bf16])
func floatWeightsMatchTheScalarPathAndFloat64(dtype: DType) throws {
  for (i, shape) in floatShapes.enumerated() {
    let (linear, x, w) = try randomCase(
      dtype, shape, weightSeed: UInt64(i), activationSeed: 100 + UInt64(i))
    var exact = [Float](repeating: 0, count: shape.rows * shape.n)
    var magnitude = exact  // sum of |x w| per output: what rounding x can move it by
    for t in 0..<shape.rows {
      for o in 0..<shape.n {
        var s = 0.0
        var m = 0.0
        for c in 0..<shape.k {
          s += Double(x[t * shape.k + c]) * Double(w[o * shape.k + c])
          m += abs(Double(x[t * shape.k + c]) * Double(w[o * shape.k + c]))
        }
        exact[t * shape.n + o] = Float(s)
        magnitude[t * shape.n + o] = Float(m)
      }
    }
    let scalar = try run(linear, x, rows: shape.rows, on: .scalar)
    #expect(relativeGap(scalar, exact) <= 1e-5, "scalar \(dtype) \(shape)")
    for path in vectorPaths + [.blas] {
      let ours = try run(linear, x, rows: shape.rows, on: path)
      let gap = relativeGap(ours, exact)
      print("\(dtype.rawValue) \(shape) \(path.rawValue): gap \(gap) of max |y|")
      if path.isExact || dtype == .f32 {
        #expect(gap <= 1e-5, "\(path) \(dtype) \(shape)")
      } else {
        // vdpbf16ps: activations rounded to bf16 (8 significant bits), at most 2^-9 of each
        // term, so each output moves by at most 2^-9 of the sum of |x w| (2^-8 for slack).
        let within = zip(zip(ours, exact), magnitude).allSatisfy { abs($0.0 - $0.1) <= $1 / 256 }
        #expect(within, "\(path) \(dtype) \(shape)")
        #expect(gap > 0, "bf16 dot products should round activations")
      }
    }
  }
}

@Test(arguments: [DType.q8_0, .q4_0])
func quantizedWeightsMatchTheScalarPath(dtype: DType) throws {
  for (i, shape) in quantizedShapes.enumerated() {
    let (linear, x, _) = try randomCase(
      dtype, shape, weightSeed: 10 + UInt64(i), activationSeed: 200 + UInt64(i))
    let scalar = try run(linear, x, rows: shape.rows, on: .scalar)
    // Against the dequantized weights in float32: only the q8 rounding of activations differs
    // (at most half a step, 1/254 of a block's largest value, per element).
    let dequantized = try run(linear, x, rows: shape.rows, on: .blas)
    #expect(relativeGap(scalar, dequantized) <= 2e-2, "scalar \(dtype) \(shape)")
    for path in vectorPaths {
      let gap = relativeGap(try run(linear, x, rows: shape.rows, on: path), scalar)
      print(
        "\(dtype.rawValue) \(shape) \(path.rawValue): gap \(gap) of max |y| (VNNI \(KernelPath.hasVNNI))"
      )
      // Both sum exact int32 block dots; only the float sum of the scaled blocks is reordered.
      #expect(gap <= 1e-5, "\(path) \(dtype) \(shape)")
    }
  }
}

/// Each output sums in one order whatever tile or thread computes it (K-quants: their
/// super-blocks, hence k a multiple of 256).
@Test(arguments: [(DType.bf16, 256, UInt64(3)), (.q4_K, 512, 8), (.q6_K, 512, 8)])
func resultsDoNotDependOnTheThreadCount(dtype: DType, k: Int, seed: UInt64) throws {
  let (weight, _) = randomWeight(dtype, n: 300, k: k, seed: seed)
  let linear = try Linear(weight: weight)
  let x = randomActivations(rows: 11, k: k, seed: seed + 1)
  let before = ComputeThreads.count
  defer { ComputeThreads.set(before) }
  for path in KernelPath.available where path != .blas {
    ComputeThreads.set(1)
    let one = try run(linear, x, rows: 11, on: path)
    ComputeThreads.set(2)
    let two = try run(linear, x, rows: 11, on: path)
    #expect(one == two, "\(path)")
  }
}

/// A row's outputs are the same bits whether it is multiplied alone, with a few rows (a step's
/// logit rows) or with the whole canvas, on every path. The int8 and K-quant kernels change
/// form at 32 rows (16 for AVX2's K-quants; dot-product tiles below, outer products from
/// there): 40 rows take the outer products, 1 and 3 rows the tiles.
@Test(arguments: [DType.f32, .bf16, .q8_0, .q4_0, .q4_K, .q5_K, .q6_K])
func aRowsOutputsDoNotDependOnTheRowsBesideIt(dtype: DType) throws {
  let k = dtype.isQuantized ? 1280 : 1088
  let (weight, _) = randomWeight(dtype, n: 200, k: k, seed: 21)
  let linear = try Linear(weight: weight)
  let rows = 40
  let x = randomActivations(rows: rows, k: k, seed: 22)
  for path in KernelPath.available where path != .blas {
    let all = try run(linear, x, rows: rows, on: path)
    for (first, count) in [(0, 1), (17, 1), (5, 3), (20, 20)] {
      let part = try run(
        linear, Array(x[(first * k)..<((first + count) * k)]), rows: count, on: path)
      #expect(part == Array(all[(first * 200)..<((first + count) * 200)]), "\(path) \(first)")
    }
  }
}

@Test(arguments: [
  (tokens: 1, heads: 2, kvHeads: 1, d: 8), (17, 4, 2, 16), (70, 4, 4, 64), (40, 6, 3, 128),
  (130, 2, 1, 256), (45, 3, 3, 40), (200, 2, 2, 64),
])
func attentionMatchesTheBLASPath(tokens: Int, heads: Int, kvHeads: Int, d: Int) throws {
  var generator = SplitMix64(seed: UInt64(tokens * 31 + d))
  let q = (0..<(tokens * heads * d)).map { _ in generator.nextUniform(scale: 3) }
  let k = (0..<(tokens * kvHeads * d)).map { _ in generator.nextUniform(scale: 3) }
  let v = (0..<(tokens * kvHeads * d)).map { _ in generator.nextUniform(scale: 1) }
  func attend(_ path: KernelPath) throws -> [Float] {
    var out = [Float](repeating: .nan, count: tokens * heads * d)
    try KernelPath.with(path) {
      out.withUnsafeMutableBufferPointer { o in
        Attention.bidirectional(
          q: q, k: k, v: v, into: o.baseAddress!, tokens: tokens, heads: heads, kvHeads: kvHeads,
          headDimension: d)
      }
    }
    return out
  }
  let reference = try attend(.blas)
  for path in KernelPath.available where path != .blas {
    let gap = relativeGap(try attend(path), reference)
    print("attention T\(tokens) H\(heads)/\(kvHeads) d\(d) \(path.rawValue): gap \(gap)")
    #expect(gap <= 1e-5, "\(path)")
  }
}

/// No keys gives zeros and no queries writes nothing, on every kernel path (the kernel's
/// buffers are sized by the keys, and an empty allocation must not read as running out).
@Test func attentionWithoutKeysOrQueriesIsDefined() throws {
  let q = [Float](repeating: 1, count: 3 * 2 * 8)
  func attend(_ path: KernelPath, queries: Int, keys: Int) throws -> [Float] {
    var out = [Float](repeating: 7, count: 3 * 2 * 8)
    try KernelPath.with(path) {
      out.withUnsafeMutableBufferPointer { o in
        Attention.attend(
          q: q, k: q, v: q, into: o.baseAddress!, queries: queries, keys: keys, heads: 2,
          kvHeads: 2, headDimension: 8)
      }
    }
    return out
  }
  for path in KernelPath.available where path != .blas {
    #expect(try attend(path, queries: 3, keys: 0).allSatisfy { $0 == 0 }, "\(path): no keys")
    #expect(try attend(path, queries: 0, keys: 3).allSatisfy { $0 == 7 }, "\(path): no queries")
  }
}

@Test(arguments: KernelPath.available)
func swigluMatchesItsFormulaOnEveryPath(path: KernelPath) throws {
  // Values across exp's whole clamped range, a count with a vector tail.
  var gate: [Float] = (0..<101).map { Float($0) * 2 - 100 }
  let up: [Float] = (0..<101).map { 1 + Float($0) * 0.01 }
  let expected = zip(gate, up).map { g, u in
    Float(Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u))
  }
  try KernelPath.with(path) {
    gate.withUnsafeMutableBufferPointer { g in
      up.withUnsafeBufferPointer { VectorMath.swiglu(g.baseAddress!, $0.baseAddress!, count: 101) }
    }
  }
  for (a, b) in zip(gate, expected) {
    #expect(abs(a - b) <= 4 * max(abs(b).ulp, Float.ulpOfOne), "\(path): \(a) vs \(b)")
  }
}

/// ggml's q8 rounding (`roundf`: halves away from zero) of one block, in Swift.
func referenceQuantized(_ block: [Float]) -> (scale: Float, values: [Int8]) {
  let amax = block.reduce(Float(0)) { max($0, abs($1)) }
  let scale = amax / 127
  let inverse: Float = scale != 0 ? 1 / scale : 0
  return (scale, block.map { Int8(($0 * inverse).rounded(.toNearestOrAwayFromZero)) })
}

@Test(arguments: KernelPath.available)
func activationQuantizationIsRoundfOnEveryPath(path: KernelPath) {
  // Block 0 has max |x| = 127, so its scale is 1 and every value is rounded as written: exact
  // halves of both signs, and 0.5 - 2^-25, which a naive floor(|x| + 0.5) rounds up to 1.
  let tricky: [Float] = [127, 2.5, -2.5, 0.5, -0.5, 1.5, -126.5, 0.49999997, -0.49999997, 3]
  var x = tricky + [Float](repeating: 0.25, count: 32 - tricky.count)
  x += [Float](repeating: 0, count: 32)  // an all-zero block: scale 0, values 0
  var generator = SplitMix64(seed: 77)
  x += (0..<(32 * 6)).map { _ in generator.nextUniform(scale: 40) }
  let rows = 2
  let k = x.count / rows
  var q = [Int8](repeating: 99, count: x.count)
  var d = [Float](repeating: .nan, count: x.count / 32)
  x.withUnsafeBufferPointer { xs in
    q.withUnsafeMutableBufferPointer { qs in
      d.withUnsafeMutableBufferPointer {
        uk_quantize_q8(path.cPath, xs.baseAddress!, rows, k, qs.baseAddress!, $0.baseAddress!)
      }
    }
  }
  for b in 0..<(x.count / 32) {
    let expected = referenceQuantized(Array(x[(32 * b)..<(32 * b + 32)]))
    #expect(d[b] == expected.scale, "\(path) block \(b)")
    #expect(Array(q[(32 * b)..<(32 * b + 32)]) == expected.values, "\(path) block \(b)")
  }
  #expect(Array(q[0..<10]) == [127, 3, -3, 1, -1, 2, -127, 0, 0, 3], "\(path)")
}

@Test(arguments: KernelPath.available)
func bfloat16RoundingIsTheSameOnEveryPath(path: KernelPath) {
  // Ties to even both ways, values that carry into the exponent, infinities, NaNs (kept quiet),
  // signed zeros and subnormals; 37 values so that every vector width leaves a tail.
  var x: [Float] = [
    1, 1 + 0x1p-8, 1 + 0x1p-7 + 0x1p-8, -(1 + 0x1p-8), 0x1.FFFFFEp127, .infinity, -.infinity,
    .nan, -0.0, 0, 0x1p-140, -0x1p-149, 3.14159265, -2.71828,
  ]
  x.append(Float(bitPattern: 0x7F80_0001))  // a signalling NaN
  var generator = SplitMix64(seed: 5)
  x += (0..<(37 - x.count)).map { _ in generator.nextUniform(scale: 1000) }
  var out = [UInt16](repeating: 0, count: x.count)
  x.withUnsafeBufferPointer { xs in
    out.withUnsafeMutableBufferPointer {
      uk_bf16_from_f32(path.cPath, xs.baseAddress!, xs.count, $0.baseAddress!)
    }
  }
  #expect(out == x.map(FloatConversion.bfloat16(from:)), "\(path)")
}
