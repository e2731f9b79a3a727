import UnmaskKernels

/// The gated MLP of LLaDA (`ff_proj`, `up_proj`, `ff_out`) and Qwen2/Dream (`gate_proj`,
/// `up_proj`, `down_proj`): `down(silu(gate · x) ⊙ (up · x))`.
///
/// Shapes: `x [rows, model] -> gate, up [rows, hidden] -> [rows, model]`.
public struct SwiGLUFeedForward: FeedForward {
  /// Gate projection `[hidden, model]`.
  public var gate: Linear
  /// Up projection `[hidden, model]`.
  public var up: Linear
  /// Down projection `[model, hidden]`.
  public var down: Linear

  /// An MLP from its three projections.
  public init(gate: Linear, up: Linear, down: Linear) {
    self.gate = gate
    self.up = up
    self.down = down
  }

  /// Model width.
  public var modelDimension: Int { down.outFeatures }
  /// Hidden width.
  public var hiddenDimension: Int { gate.outFeatures }

  /// Gate and up activations, `2 · rows · hidden` floats.
  public func scratchCount(rows: Int) -> Int { 2 * rows * hiddenDimension }

  /// `output = down(silu(gate x) ⊙ up x)`, the gate buffer reused for the product.
  public func apply(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let gated = scratch
    let upped = scratch + rows * hiddenDimension
    gate.apply(x, rows: rows, into: gated)
    up.apply(x, rows: rows, into: upped)
    VectorMath.swiglu(gated, upped, count: rows * hiddenDimension)
    down.apply(gated, rows: rows, into: output)
  }

  /// Weights and biases of the three projections.
  public var parameterCount: Int { [gate, up, down].reduce(0) { $0 + $1.parameterCount } }
  /// `3 · model · hidden`.
  public var multiplyAddsPerToken: Int {
    [gate, up, down].reduce(0) { $0 + $1.outFeatures * $1.inFeatures }
  }
}
