/// Root-mean-square layer norm: `y = w ⊙ x / sqrt(mean(x²) + eps)` per row, in float32.
///
/// Matches LLaDA's `RMSLayerNorm` and Qwen2/Dream's `RMSNorm` (both upcast to float32, take the
/// mean of squares, multiply by `rsqrt(variance + eps)`, then by the weight).
public struct RMSNorm: Sendable {
  /// Per-feature scale, or nil for a norm without affine weight.
  public let weight: [Float]?
  /// Per-feature shift (LLaDA's `bias_for_layer_norm`), rarely present.
  public let bias: [Float]?
  /// The epsilon added to the variance.
  public let epsilon: Float
  /// Features per row.
  public let dimension: Int

  /// A norm over rows of `dimension` features.
  public init(weight: TensorView?, bias: TensorView? = nil, dimension: Int, epsilon: Float) throws {
    for tensor in [weight, bias].compactMap({ $0 }) where tensor.shape != [dimension] {
      throw ShapeError(tensor: tensor.name, expected: "[\(dimension)]", found: tensor.shape)
    }
    self.weight = weight?.floats()
    self.bias = bias?.floats()
    self.epsilon = epsilon
    self.dimension = dimension
  }

  /// Weight and bias elements.
  public var parameterCount: Int { (weight?.count ?? 0) + (bias?.count ?? 0) }

  /// Normalises `rows` rows of `x` into `y` (which may equal `x`).
  public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
    let d = dimension
    ComputeThreads.parallelFor(rows) { r in
      let input = x + r * d
      let output = y + r * d
      var sum: Float = 0
      for i in 0..<d { sum += input[i] * input[i] }
      let scale = 1 / (sum / Float(d) + epsilon).squareRoot()
      if let weight {
        for i in 0..<d { output[i] = weight[i] * (input[i] * scale) }
      } else {
        for i in 0..<d { output[i] = input[i] * scale }
      }
      if let bias { for i in 0..<d { output[i] += bias[i] } }
    }
  }
}
