/// Layer norm over the last dimension, in float32:
///
///     μ = mean(x),  σ² = mean((x − μ)²),  y = (x − μ) / sqrt(σ² + eps) ⊙ w + b
///
/// as `torch.nn.functional.layer_norm` (biased variance, eps inside the root), with the weight
/// and bias optional. MDLM's DiT (`models/dit.py`, `LayerNorm`) runs `F.layer_norm` on the
/// float32 input without affine parameters and then multiplies by its weight, which is this
/// with `w` and no `b`. Mean and variance are two float32 passes (torch uses Welford's update
/// with a cascade sum, so the last bit may differ; not the order of the final multiply).
public struct LayerNorm: Sendable {
  /// The scale and shift applied after normalising.
  public let affine: NormWeights
  /// The epsilon added to the variance.
  public let epsilon: Float

  /// A norm over rows of `dimension` features; `weight` and `bias` must be `[dimension]`.
  public init(weight: TensorView?, bias: TensorView? = nil, dimension: Int, epsilon: Float) throws {
    affine = try NormWeights(weight: weight, bias: bias, dimension: dimension)
    self.epsilon = epsilon
  }

  /// Features per row.
  public var dimension: Int { affine.dimension }

  /// Weight and bias elements.
  public var parameterCount: Int { affine.parameterCount }

  /// Normalises `rows` rows of `x` (`[rows, dimension]`) into `y` (which may equal `x`).
  public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
    let d = dimension
    ComputeThreads.parallelFor(rows) { r in
      let input = x + r * d
      let (mean, scale) = moments(input)
      let output = y + r * d
      for i in 0..<d { output[i] = (input[i] - mean) * scale }
      affine.apply(to: output)
    }
  }

  /// The mean of a row and `1 / sqrt(variance + eps)`, both in float32.
  private func moments(_ row: UnsafePointer<Float>) -> (mean: Float, scale: Float) {
    let d = dimension
    var sum: Float = 0
    for i in 0..<d { sum += row[i] }
    let mean = sum / Float(d)
    var squares: Float = 0
    for i in 0..<d {
      let centred = row[i] - mean
      squares += centred * centred
    }
    return (mean, 1 / (squares / Float(d) + epsilon).squareRoot())
  }
}
