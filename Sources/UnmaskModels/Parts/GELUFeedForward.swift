import UnmaskKernels

/// The MLP of MDLM's DiT (`DDiTBlock.mlp`: `Linear`, `GELU(approximate="tanh")`, `Linear`):
///
///     y = W₂ · gelu_tanh(W₁ · x + b₁) + b₂
///
/// `[rows, model] -> [rows, hidden] -> [rows, model]`; the biases are optional (each `Linear`
/// adds its own). GELU is `VectorMath.geluTanh`, torch's float32 tanh approximation.
public struct GELUFeedForward: FeedForward {
  /// First projection `[hidden, model]` (DiT's `mlp.0`).
  public let up: Linear
  /// Second projection `[model, hidden]` (DiT's `mlp.2`).
  public let down: Linear

  /// An MLP from its two projections; their shapes must chain.
  public init(up: Linear, down: Linear) throws {
    guard down.inFeatures == up.outFeatures, down.outFeatures == up.inFeatures else {
      throw ShapeError(
        tensor: down.weight.name, expected: "[\(up.inFeatures), \(up.outFeatures)]",
        found: down.weight.shape)
    }
    self.up = up
    self.down = down
  }

  /// Features per row (`model`).
  public var modelDimension: Int { down.outFeatures }

  /// Intermediate features (`hidden`, DiT's `mlp_ratio · model`).
  public var hiddenDimension: Int { up.outFeatures }

  /// The activations `[rows, hidden]`.
  public func scratchCount(rows: Int) -> Int { rows * hiddenDimension }

  /// `output = down(gelu_tanh(up x))`, biases included.
  public func apply(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    up.apply(x, rows: rows, into: scratch)
    VectorMath.geluTanh(scratch, count: rows * hiddenDimension)
    down.apply(scratch, rows: rows, into: output)
  }

  /// Weights and biases of both projections.
  public var parameterCount: Int { up.parameterCount + down.parameterCount }

  /// `2 · model · hidden`.
  public var multiplyAddsPerToken: Int { up.multiplyAddsPerRow + down.multiplyAddsPerRow }
}
