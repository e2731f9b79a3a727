import UnmaskKernels

/// A norm applied to each row on its own, `[rows, width] -> [rows, width]`: RMSNorm (LLaDA,
/// Dream), LayerNorm with weight only (MDLM's DiT). The block's norms and the final norm are
/// any of them.
public protocol RowNorm: Sendable {
  /// Features per row.
  var dimension: Int { get }
  /// Normalises `rows` rows of `x` into `y` (which may equal `x`).
  func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>)
  /// Weight and bias elements.
  var parameterCount: Int { get }
}

extension RMSNorm: RowNorm {}
extension LayerNorm: RowNorm {}
