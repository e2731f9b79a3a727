/// What a `Linear` costs, so that parts built from several report their size and work without
/// anyone reading their fields.
extension Linear {
  /// Weight and bias elements: `out · in (+ out)`.
  public var parameterCount: Int { outFeatures * inFeatures + (bias?.count ?? 0) }

  /// Multiply-adds per input row: `out · in` (the bias adds are not counted).
  public var multiplyAddsPerRow: Int { outFeatures * inFeatures }
}
