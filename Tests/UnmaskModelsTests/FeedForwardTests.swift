import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskModels

/// The dense MLP parts against the dense block's own steps and float64 references, on every
/// kernel path this CPU runs.
@Suite("Feed-forward parts")
struct FeedForwardTests {
  static let model = 64
  static let hidden = 96

  /// A SwiGLU MLP of `dtype` under `prefix` (names `gate_proj`, `up_proj`, `down_proj`).
  static func swiGLU(_ weights: PartWeights, _ prefix: String, dtype: DType = .f32) throws
    -> SwiGLUFeedForward
  {
    try weights.add("\(prefix).gate_proj.weight", [hidden, model], dtype: dtype)
    try weights.add("\(prefix).up_proj.weight", [hidden, model], dtype: dtype)
    try weights.add("\(prefix).down_proj.weight", [model, hidden], dtype: dtype)
    return try weights.loader().swiGLU(prefix, model: model, hidden: hidden)
  }

  @Test(arguments: [DType.f32, .bf16, .q8_0])
  func swiGLUIsTheDenseBlockMLPBitForBit(dtype: DType) throws {
    let weights = PartWeights(seed: 1)
    let part = try Self.swiGLU(weights, "mlp", dtype: dtype)
    for path in KernelPath.available {
      for rows in [1, 5, 17] {
        let x = activations(rows * Self.model, seed: UInt64(rows))
        let ours = try run(part, x, rows: rows, on: path)
        // TransformerBlock.finish's MLP steps, verbatim: gate, up, swiglu on the gate, down.
        var g = [Float](repeating: 0, count: rows * Self.hidden)
        var u = g
        var y = [Float](repeating: 0, count: rows * Self.model)
        try KernelPath.with(path) {
          x.withUnsafeBufferPointer { xs in
            g.withUnsafeMutableBufferPointer { gs in
              u.withUnsafeMutableBufferPointer { us in
                y.withUnsafeMutableBufferPointer { ys in
                  guard let x0 = xs.baseAddress, let g0 = gs.baseAddress, let u0 = us.baseAddress,
                    let y0 = ys.baseAddress
                  else { return }
                  part.gate.apply(x0, rows: rows, into: g0)
                  part.up.apply(x0, rows: rows, into: u0)
                  VectorMath.swiglu(g0, u0, count: rows * Self.hidden)
                  part.down.apply(g0, rows: rows, into: y0)
                }
              }
            }
          }
        }
        #expect(ours == y, "\(dtype) \(path) rows \(rows)")
        let exact = naiveSwiGLU(
          x.map(Double.init), rows: rows, gate: try weights.floats("mlp.gate_proj.weight"),
          up: try weights.floats("mlp.up_proj.weight"),
          down: try weights.floats("mlp.down_proj.weight"), hidden: Self.hidden)
        let gap = worstRelativeGap(ours, exact)
        print("SwiGLU \(dtype.rawValue) \(path.rawValue) rows \(rows): worst gap \(gap) of max |y|")
        // q8_0 multiplies q8-rounded activations (1/254 of a block's largest value each);
        // the opt-in avx512-bf16 path rounds bf16 weights' activations to bf16 (2^-9 each).
        let rounded = dtype == .q8_0 || (dtype == .bf16 && !path.isExact)
        #expect(gap <= (rounded ? 2e-2 : 1e-5), "\(dtype) \(path) rows \(rows)")
      }
    }
    #expect(part.parameterCount == 3 * Self.model * Self.hidden)
    #expect(part.multiplyAddsPerToken == 3 * Self.model * Self.hidden)
    #expect(part.scratchCount(rows: 4) == 2 * 4 * Self.hidden)
  }

  @Test(arguments: [true, false])
  func geluMLPMatchesFloat64(bias: Bool) throws {
    let weights = PartWeights(seed: 2)
    let (model, hidden) = (Self.model, Self.hidden)
    let w1 = try weights.add("mlp.0.weight", [hidden, model])
    let w2 = try weights.add("mlp.2.weight", [model, hidden])
    let b1 = bias ? try weights.add("mlp.0.bias", [hidden]) : nil
    let b2 = bias ? try weights.add("mlp.2.bias", [model]) : nil
    let loader = weights.loader()
    let part = try loader.geluFeedForward(
      up: "mlp.0", down: "mlp.2", model: model, hidden: hidden, bias: bias)
    try loader.finish()
    let rows = 7
    let x = activations(rows * model, seed: 3)
    let h = naiveLinear(x.map(Double.init), rows: rows, w1, out: hidden, bias: b1).map { v in
      0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044_715 * v * v * v)))
    }
    let exact = naiveLinear(h, rows: rows, w2, out: model, bias: b2)
    for path in KernelPath.available {
      let gap = worstRelativeGap(try run(part, x, rows: rows, on: path), exact)
      print("GELU MLP bias \(bias) \(path.rawValue): worst gap \(gap) of max |y|")
      #expect(gap <= 1e-5, "\(path)")
    }
    #expect(part.parameterCount == 2 * model * hidden + (bias ? model + hidden : 0))
    #expect(part.multiplyAddsPerToken == 2 * model * hidden)
  }

  @Test func misshapenProjectionsAreRefusedNamingTheTensor() throws {
    let weights = PartWeights(seed: 4)
    try weights.add("mlp.gate_proj.weight", [Self.hidden, Self.model])
    try weights.add("mlp.up_proj.weight", [Self.hidden, Self.model])
    try weights.add("mlp.down_proj.weight", [Self.model, Self.hidden + 32])
    #expect(throws: (any Error).self) {
      try weights.loader().swiGLU("mlp", model: Self.model, hidden: Self.hidden)
    }
    let gate = try Linear(weight: try weights.store.tensor(named: "mlp.gate_proj.weight"))
    let down = try Linear(weight: try weights.store.tensor(named: "mlp.down_proj.weight"))
    do {
      _ = try SwiGLUFeedForward(gate: gate, up: gate, down: down)
      Issue.record("expected a shape error")
    } catch let error as ShapeError {
      #expect(error.tensor == "mlp.down_proj.weight")
    }
  }
}
