import Foundation
import Testing
import UnmaskCore
@testable import UnmaskKernels

/// LayerNorm, GELU (tanh), the soft cap and the three RoPE layouts against straightforward
/// references: float64 formulas with explicit tolerances, and float32 transcriptions of the
/// PyTorch code where the order of operations is the point.
@Suite("Parts primitives")
struct PartsPrimitivesTests {
  /// A `[n]` float32 tensor view over `values` (kept alive by the returned owner).
  static func vector(_ name: String, _ values: [Float]) -> TensorView {
    let owner = OwnedBytes(count: values.count * 4)
    values.withUnsafeBytes { owner.buffer.copyMemory(from: $0) }
    return TensorView(
      name: name, dtype: .f32, shape: [values.count],
      bytes: UnsafeRawBufferPointer(owner.buffer), owner: owner)
  }

  @Test(arguments: [(false, false), (true, false), (true, true)])
  func layerNormMatchesFloat64(affine: Bool, bias: Bool) throws {
    let (rows, d, eps): (Int, Int, Float) = (5, 48, 1e-5)
    var generator = SplitMix64(seed: 71)
    let w = (0..<d).map { _ in 1 + generator.nextUniform(scale: 0.5) }
    let b = (0..<d).map { _ in generator.nextUniform(scale: 0.5) }
    let norm = try LayerNorm(
      weight: affine ? Self.vector("w", w) : nil, bias: bias ? Self.vector("b", b) : nil,
      dimension: d, epsilon: eps)
    // An offset row mean: the centring matters.
    let x = (0..<(rows * d)).map { _ in 3 + generator.nextUniform(scale: 2) }
    var y = [Float](repeating: .nan, count: x.count)
    // swift-format-ignore: NeverForceUnwrap
    x.withUnsafeBufferPointer { xs in
      y.withUnsafeMutableBufferPointer {
        norm.apply(xs.baseAddress!, rows: rows, into: $0.baseAddress!)
      }
    }
    var worst = 0.0
    for r in 0..<rows {
      let row = x[(r * d)..<((r + 1) * d)].map(Double.init)
      let mean = row.reduce(0, +) / Double(d)
      let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
      for i in 0..<d {
        var expected = (row[i] - mean) / (variance + Double(eps)).squareRoot()
        if affine { expected *= Double(w[i]) }
        if bias { expected += Double(b[i]) }
        worst = max(worst, abs(Double(y[r * d + i]) - expected))
      }
    }
    print("LayerNorm affine \(affine) bias \(bias): worst gap \(worst)")
    #expect(worst <= 2e-6)
    #expect(norm.parameterCount == (affine ? d : 0) + (bias ? d : 0))
  }

  @Test func geluTanhFollowsTorchAndTheFormula() {
    let x = (0..<20_001).map { Float($0 - 10_000) * 0.001_3 }
    var y = x
    // swift-format-ignore: NeverForceUnwrap
    y.withUnsafeMutableBufferPointer { VectorMath.geluTanh($0.baseAddress!, count: x.count) }
    var worst = 0.0
    var worstToATen: Float = 0
    for (input, output) in zip(x, y) {
      // ATen's scalar path in float32, step for step: the kernel's x / (1 + e^(-2u)) is the
      // same function, a few ulps (relative to max(1, |y|)) from it.
      let cube = input * input * input
      let inner =
        Float(2.0.squareRoot() * (2 / Double.pi.squareRoot()) * 0.5)
        * (input + 0.044_715 * cube)
      let aten = 0.5 * input * (1 + tanhf(inner))
      let gap = abs(output - aten) / max(1, abs(aten))
      worstToATen = max(worstToATen, gap)
      #expect(gap <= 4 * Float.ulpOfOne, "x = \(input): \(output) against ATen's \(aten)")
      let v = Double(input)
      let exact = 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044_715 * v * v * v)))
      worst = max(worst, abs(Double(output) - exact) / max(1, abs(exact)))
    }
    print(
      "gelu tanh: worst gap \(worst) (relative above 1, absolute below),"
        + " to ATen's float32 \(worstToATen)")
    #expect(worst <= 1e-6)
  }

  @Test func softcapBoundsAndMatchesTheFormula() {
    let cap: Float = 30
    var x: [Float] = [-1e4, -90, -30, -1, 0, 0.5, 29, 30, 1e4]
    let input = x
    // swift-format-ignore: NeverForceUnwrap
    x.withUnsafeMutableBufferPointer {
      VectorMath.softcap($0.baseAddress!, count: input.count, cap: cap)
    }
    for (a, y) in zip(input, x) {
      let exact = 30 * tanh(Double(a) / 30)
      #expect(abs(Double(y) - exact) <= 4e-6 * 30, "x = \(a)")
      #expect(abs(y) <= cap)
    }
  }

  /// `q * cos + rotate_half(q) * sin` on the first `width` dims of each head vector, the rest
  /// passed, with `inv_freq` as given: transformers' `apply_rotary_pos_emb` in float32.
  static func torchRoPE(
    _ x: [Float], rows: Int, heads: Int, d: Int, width: Int, inverseFrequencies: [Float]
  ) -> [Float] {
    var y = x
    let half = width / 2
    for t in 0..<rows {
      let freqs = inverseFrequencies.map { Float(t) * $0 }
      let emb = freqs + freqs
      for h in 0..<heads {
        let base = t * heads * d + h * d
        let v = Array(x[base..<(base + width)])
        let rotated = (0..<width).map { i in i < half ? -v[i + half] : v[i - half] }
        for i in 0..<width { y[base + i] = v[i] * cosf(emb[i]) + rotated[i] * sinf(emb[i]) }
      }
    }
    return y
  }

  static func rotate(_ rope: RotaryEmbedding, _ x: [Float], rows: Int, heads: Int) -> [Float] {
    var y = x
    let tables = rope.tables(positions: rows)
    y.withUnsafeMutableBufferPointer {
      // swift-format-ignore: NeverForceUnwrap
      rope.apply($0.baseAddress!, rows: rows, heads: heads, tables: tables)
    }
    return y
  }

  @Test func fullRoPEKeepsTheRotateHalfBits() {
    let (rows, heads, d, theta) = (9, 3, 16, 500_000.0)
    let x = (0..<(rows * heads * d)).map { Float(($0 * 7919) % 1000) / 250 - 2 }
    let ours = Self.rotate(
      RotaryEmbedding(headDimension: d, theta: theta), x, rows: rows, heads: heads)
    let inverse = (0..<(d / 2)).map { 1 / powf(Float(theta), Float(2 * $0) / Float(d)) }
    let torch = Self.torchRoPE(
      x, rows: rows, heads: heads, d: d, width: d, inverseFrequencies: inverse)
    #expect(ours == torch)
  }

  @Test func partialRoPETurnsTheFirstDimensionsOnly() {
    let (rows, heads, d, theta) = (7, 2, 32, 10_000.0)
    let rope = RotaryEmbedding.partial(headDimension: d, theta: theta, factor: 0.5)
    #expect(rope.layout == .partial(rotaryDimension: 16))
    #expect(rope.rotatedPairs == 8)
    let x = (0..<(rows * heads * d)).map { Float(($0 * 104_729) % 997) / 200 - 2.5 }
    let ours = Self.rotate(rope, x, rows: rows, heads: heads)
    // Frequencies over the rotary width: 1 / θ^(2i / 16).
    let inverse = (0..<8).map { 1 / powf(Float(theta), Float(2 * $0) / 16) }
    let torch = Self.torchRoPE(
      x, rows: rows, heads: heads, d: d, width: 16, inverseFrequencies: inverse)
    #expect(ours == torch)
    for t in 0..<rows {
      for h in 0..<heads {
        let base = t * heads * d + h * d + 16
        #expect(ours[base..<(base + 16)] == x[base..<(base + 16)])
      }
    }
  }

  @Test(arguments: [1.0, 8.0])
  func proportionalRoPEMatchesTransformers(factor: Double) {
    let (rows, heads, d, theta) = (6, 2, 32, 1_000_000.0)
    let rope = RotaryEmbedding.proportional(
      headDimension: d, theta: theta, partialRotaryFactor: 0.25, factor: factor)
    // int(0.25 * 32 // 2) = 4 live pairs of 16.
    #expect(rope.rotatedPairs == 4)
    let x = (0..<(rows * heads * d)).map { Float(($0 * 7907) % 991) / 300 - 1.5 }
    let ours = Self.rotate(rope, x, rows: rows, heads: heads)
    // _compute_proportional_rope_parameters: 1 / θ^(arange(0, 2·4, 2) / 32), then 12 zeros,
    // all divided by factor; rotation over the whole head.
    let live = (0..<4).map { 1 / powf(Float(theta), Float(2 * $0) / 32) / Float(factor) }
    let inverse = live + [Float](repeating: 0, count: 12)
    let torch = Self.torchRoPE(
      x, rows: rows, heads: heads, d: d, width: d, inverseFrequencies: inverse)
    #expect(ours == torch)
  }
}
