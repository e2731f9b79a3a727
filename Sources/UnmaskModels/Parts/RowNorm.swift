import UnmaskKernels

/// A norm applied to each row on its own, `[rows, width] -> [rows, width]`: RMSNorm (LLaDA,
/// Dream, Qwen3's q/k norms), LayerNorm with weight only (MDLM's DiT).
///
/// A q/k norm over `headDimension` shared by all heads is the same norm applied to
/// `rows · heads` rows of `headDimension`; over the whole projection, to `rows` rows.
public protocol RowNorm: Sendable {
  /// Features per row.
  var dimension: Int { get }
  /// Normalises `rows` rows of `x` into `y` (which may equal `x`).
  func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>)
  /// Weight and bias elements.
  var parameterCount: Int { get }
}

extension RMSNorm: RowNorm {}
