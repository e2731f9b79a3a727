import UnmaskKernels

/// One projection for queries, keys and values (LLaDA2's `query_key_value`, MDLM DiT's
/// `attn_qkv`): `W [(H + 2·Hkv)·d, model]`, whose output row is `[q (H·d) | k (Hkv·d) |
/// v (Hkv·d)]`, as `qkv.view(T, H + 2·Hkv, d)` split along heads in the references.
///
/// `apply` runs the one GEMM into scratch `[rows, (H + 2·Hkv)·d]` and copies the three column
/// blocks into separate `[rows, H·d]`, `[rows, Hkv·d]`, `[rows, Hkv·d]` buffers, the layout
/// the rest of a block (QK-norm, RoPE, attention) reads.
public struct FusedQKV: Sendable {
  /// The fused projection.
  public let projection: Linear
  /// Query heads (`H`).
  public let heads: Int
  /// Key/value heads (`Hkv`).
  public let kvHeads: Int
  /// Dimensions per head (`d`).
  public let headDimension: Int

  /// A fused projection for `heads` query and `kvHeads` key/value heads of `headDimension`;
  /// the weight must have `(heads + 2·kvHeads)·headDimension` rows.
  public init(projection: Linear, heads: Int, kvHeads: Int, headDimension: Int) throws {
    guard projection.outFeatures == (heads + 2 * kvHeads) * headDimension else {
      throw ShapeError(
        tensor: projection.weight.name,
        expected: "[\((heads + 2 * kvHeads) * headDimension), \(projection.inFeatures)]",
        found: projection.weight.shape)
    }
    self.projection = projection
    self.heads = heads
    self.kvHeads = kvHeads
    self.headDimension = headDimension
  }

  /// Features per input row (`model`).
  public var modelDimension: Int { projection.inFeatures }

  /// The fused output `[rows, (H + 2·Hkv)·d]`.
  public func scratchCount(rows: Int) -> Int { rows * projection.outFeatures }

  /// Weight (and bias) elements.
  public var parameterCount: Int { projection.parameterCount }

  /// `(H + 2·Hkv)·d · model`.
  public var multiplyAddsPerToken: Int { projection.multiplyAddsPerRow }

  /// Projects `rows` rows of `x` (`[rows, model]`) into `query` `[rows, H·d]`, `key` and
  /// `value` `[rows, Hkv·d]`, through `scratch` (`scratchCount(rows:)` floats).
  public func apply(
    _ x: UnsafePointer<Float>, rows: Int, query: UnsafeMutablePointer<Float>,
    key: UnsafeMutablePointer<Float>, value: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    projection.apply(x, rows: rows, into: scratch)
    let q = heads * headDimension
    let kv = kvHeads * headDimension
    let width = projection.outFeatures
    for t in 0..<rows {
      let row = scratch + t * width
      (query + t * q).update(from: row, count: q)
      (key + t * kv).update(from: row + q, count: kv)
      (value + t * kv).update(from: row + q + kv, count: kv)
    }
  }
}
