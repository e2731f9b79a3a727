import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskModels

/// QK-norm in both scopes and the fused QKV projection against straightforward references.
@Suite("Attention parts")
struct AttentionPartsTests {
  /// RMS norm of `vector` in float32 with torch's order: mean of squares, `1/sqrt(v + eps)`,
  /// `w * (x * scale)`.
  static func rmsNorm(_ vector: ArraySlice<Float>, weight: ArraySlice<Float>, eps: Float)
    -> [Float]
  {
    var sum: Float = 0
    for v in vector { sum += v * v }
    let scale = 1 / (sum / Float(vector.count) + eps).squareRoot()
    return zip(vector, weight).map { x, w in w * (x * scale) }
  }

  @Test(arguments: QKNorm.Scope.allCases)
  func qkNormMatchesTheReferenceOrder(scope: QKNorm.Scope) throws {
    let (heads, d, rows, eps): (Int, Int, Int, Float) = (4, 16, 6, 1e-6)
    let weights = PartWeights(seed: 51)
    let width = scope == .perHead ? d : heads * d
    let w = try weights.add("q_norm.weight", [width], scale: 1)
    let loader = weights.loader()
    let norm = try loader.qkNorm(
      "q_norm", heads: heads, headDimension: d, scope: scope, epsilon: eps)
    try loader.finish()
    let x = activations(rows * heads * d, seed: 52, scale: 3)
    var ours = x
    // swift-format-ignore: NeverForceUnwrap
    ours.withUnsafeMutableBufferPointer { norm.apply($0.baseAddress!, rows: rows) }
    var expected = [Float]()
    var exact = [Double]()
    let span = scope == .perHead ? d : heads * d
    for start in stride(from: 0, to: x.count, by: span) {
      let vector = x[start..<(start + span)]
      let weight = scope == .perHead ? w[0..<d] : w[0..<(heads * d)]
      expected += Self.rmsNorm(vector, weight: weight, eps: eps)
      let meanSquare = vector.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(span)
      let scale = 1 / (meanSquare + Double(eps)).squareRoot()
      exact += zip(vector, weight).map { Double($1) * Double($0) * scale }
    }
    let gap = worstRelativeGap(ours, exact)
    print("QK-norm \(scope): worst gap \(gap) of max |y|")
    #expect(ours == expected)
    #expect(gap <= 1e-6)
    #expect(norm.parameterCount == width)
  }

  @Test(arguments: [false, true])
  func fusedQKVSplitsTheProjectionRow(bias: Bool) throws {
    let (heads, kvHeads, d, model, rows) = (4, 2, 8, 32, 5)
    let out = (heads + 2 * kvHeads) * d
    let weights = PartWeights(seed: 61)
    let w = try weights.add("attention.query_key_value.weight", [out, model])
    let b = bias ? try weights.add("attention.query_key_value.bias", [out]) : nil
    let loader = weights.loader()
    let qkv = try loader.fusedQKV(
      "attention.query_key_value", heads: heads, kvHeads: kvHeads, headDimension: d,
      model: model, bias: bias)
    try loader.finish()
    let x = activations(rows * model, seed: 62)
    let exact = naiveLinear(x.map(Double.init), rows: rows, w, out: out, bias: b)
    for path in KernelPath.available {
      var q = [Float](repeating: .nan, count: rows * heads * d)
      var k = [Float](repeating: .nan, count: rows * kvHeads * d)
      var v = k
      var scratch = [Float](repeating: .nan, count: qkv.scratchCount(rows: rows))
      try KernelPath.with(path) {
        x.withUnsafeBufferPointer { xs in
          // swift-format-ignore: NeverForceUnwrap
          qkv.apply(
            xs.baseAddress!, rows: rows, query: &q, key: &k, value: &v, scratch: &scratch)
        }
      }
      var joined = [Float]()
      for t in 0..<rows {
        joined += q[(t * heads * d)..<((t + 1) * heads * d)]
        joined += k[(t * kvHeads * d)..<((t + 1) * kvHeads * d)]
        joined += v[(t * kvHeads * d)..<((t + 1) * kvHeads * d)]
      }
      #expect(joined == scratch, "\(path)")
      let gap = worstRelativeGap(joined, exact)
      print("fused QKV bias \(bias) \(path.rawValue): worst gap \(gap) of max |y|")
      #expect(gap <= 1e-5, "\(path)")
    }
    #expect(qkv.parameterCount == out * model + (bias ? out : 0))
  }
}
