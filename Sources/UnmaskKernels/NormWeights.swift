/// A norm's optional per-feature scale `w` and shift `b`, checked against its dimension and
/// widened to float32 once at load: the affine step `y ← y ⊙ w + b` after normalising.
public struct NormWeights: Sendable {
  /// Per-feature scale `[dimension]`, or nil.
  public let weight: [Float]?
  /// Per-feature shift `[dimension]`, or nil.
  public let bias: [Float]?
  /// Features per row.
  public let dimension: Int

  /// Scale and shift over `dimension` features; each tensor given must be `[dimension]`.
  public init(weight: TensorView?, bias: TensorView?, dimension: Int) throws {
    for tensor in [weight, bias].compactMap({ $0 }) where tensor.shape != [dimension] {
      throw ShapeError(tensor: tensor.name, expected: "[\(dimension)]", found: tensor.shape)
    }
    self.weight = weight?.floats()
    self.bias = bias?.floats()
    self.dimension = dimension
  }

  /// Elements of both.
  public var parameterCount: Int { (weight?.count ?? 0) + (bias?.count ?? 0) }

  /// `row[i] = row[i] · w[i] + b[i]` over one row of `dimension` values (multiply, then add,
  /// each rounded, as torch's `x * weight` then `+ bias`).
  @inline(__always)
  func apply(to row: UnsafeMutablePointer<Float>) {
    if let weight { for i in 0..<dimension { row[i] *= weight[i] } }
    if let bias { for i in 0..<dimension { row[i] += bias[i] } }
  }
}
