import UnmaskKernels

/// RMS norm of the query or key projection before RoPE, `[rows, heads · d]` in place, with the
/// operation order of `RMSNorm` (torch's: float32 mean of squares, `rsqrt(var + eps)`, then the
/// weight). Two scopes, as the references differ:
///
/// - `.perHead`: each head's vector of `d` is normalised on its own with one weight `[d]` shared
///   by all heads (LLaDA-MoE's `q_norm`/`k_norm` over `reshape(-1, head_dim)`, LLaDA2's
///   `query_layernorm`/`key_layernorm`, Qwen3).
/// - `.wholeRow`: the whole projection row of `heads · d` is one vector with a weight
///   `[heads · d]` (OLMo/LLaDA's `attention_layer_norm`: `q_norm` is built over `d_model` and
///   applied to `q` before it is split into heads, so its mean of squares spans all heads).
public struct QKNorm: Sendable {
  /// Which features share one mean of squares.
  public enum Scope: String, Sendable, Equatable, CaseIterable {
    /// One head's `d` features; weight `[d]`.
    case perHead
    /// The whole row of `heads · d`; weight `[heads · d]`.
    case wholeRow
  }

  /// The norm applied to each normalised vector (of `d` or `heads · d` features).
  public let norm: RMSNorm
  /// Heads per row.
  public let heads: Int
  /// Dimensions per head (`d`).
  public let headDimension: Int
  /// Which features share one mean of squares.
  public let scope: Scope

  /// A norm of `heads` heads of `headDimension`; `weight` is `[d]` for `.perHead` and
  /// `[heads · d]` for `.wholeRow` (nil: no affine weight).
  public init(
    weight: TensorView?, heads: Int, headDimension: Int, scope: Scope, epsilon: Float
  ) throws {
    self.heads = heads
    self.headDimension = headDimension
    self.scope = scope
    let width = scope == .perHead ? headDimension : heads * headDimension
    norm = try RMSNorm(weight: weight, dimension: width, epsilon: epsilon)
  }

  /// Features per row (`heads · d`).
  public var rowDimension: Int { heads * headDimension }

  /// Weight elements.
  public var parameterCount: Int { norm.weight?.count ?? 0 }

  /// Normalises `rows` rows of `x` (`[rows, heads · d]`) in place.
  public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) {
    switch scope {
    case .perHead: norm.apply(x, rows: rows * heads, into: x)
    case .wholeRow: norm.apply(x, rows: rows, into: x)
    }
  }
}
