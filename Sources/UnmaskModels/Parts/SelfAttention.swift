import UnmaskCore
import UnmaskKernels

/// How a block projects its normed input to queries, keys and values.
public enum QKVProjection: Sendable {
  /// Three projections: `q_proj [H·d, model]`, `k_proj` and `v_proj [Hkv·d, model]`.
  case separate(query: Linear, key: Linear, value: Linear)
  /// One projection `[(H + 2·Hkv)·d, model]` whose output row holds q, then k, then v
  /// (LLaDA2's `query_key_value`, MDLM's `attn_qkv`).
  case fused(FusedQKV)
  /// Keys and values from one projection (K = V): values are the keys before their norm and
  /// RoPE (DiffusionGemma's full-attention layers).
  case sharedKeyValue(query: Linear, key: Linear)

  /// The projections, for counting.
  var linears: [Linear] {
    switch self {
    case .separate(let q, let k, let v): return [q, k, v]
    case .fused(let qkv): return [qkv.projection]
    case .sharedKeyValue(let q, let k): return [q, k]
    }
  }
}

/// Multi-head or grouped-query self-attention:
///
///     q = RoPE(n_q(Q · x)), k = RoPE(n_k(K · x)), v = n_v(V · x)
///     y = O · softmax(q kᵀ / sqrt(d) + mask) v
///
/// with optional norms `n_q`, `n_k`, `n_v` (`QKNorm`: per head with a weight shared by all heads,
/// or over the whole projection row), applied before RoPE as Qwen3, SDAR, LLaDA-MoE and LLaDA2
/// do. Heads are grouped as PyTorch's `repeat_interleave` groups them.
/// The mask is applied as each query's contiguous key range (`AttentionMask.keys(for:)`).
public struct SelfAttention: Sendable {
  /// The q/k/v projections.
  public var projection: QKVProjection
  /// Output projection `[model, H·d]` (`attn_out` / `o_proj`).
  public var output: Linear
  /// Heads and head width.
  public var shape: AttentionShape
  /// Norm of the queries, before RoPE.
  public var queryNorm: QKNorm?
  /// Norm of the keys, before RoPE.
  public var keyNorm: QKNorm?
  /// Norm of the values (DiffusionGemma's weight-free `v_norm`).
  public var valueNorm: QKNorm?
  /// The factor on `q · k`, or nil for `1/sqrt(d)` (DiffusionGemma's `scaling = 1.0`: its
  /// queries and keys are RMS-normed, so their scale is learned in the norms' weights).
  public var scoreScale: Float?

  /// An attention part; norms default to none, the score scale to `1/sqrt(d)`.
  public init(
    projection: QKVProjection, output: Linear, shape: AttentionShape,
    queryNorm: QKNorm? = nil, keyNorm: QKNorm? = nil, valueNorm: QKNorm? = nil,
    scoreScale: Float? = nil
  ) {
    self.projection = projection
    self.output = output
    self.shape = shape
    self.queryNorm = queryNorm
    self.keyNorm = keyNorm
    self.valueNorm = valueNorm
    self.scoreScale = scoreScale
  }

  /// Floats per row of the fused projection's output (0 unless fused).
  var fusedWidth: Int {
    guard case .fused(let qkv) = projection else { return 0 }
    return qkv.scratchCount(rows: 1)
  }

  /// Weight elements of the projections and norms.
  public var parameterCount: Int {
    (projection.linears + [output]).reduce(0) { $0 + $1.parameterCount }
      + [queryNorm, keyNorm, valueNorm].reduce(0) { $0 + ($1?.parameterCount ?? 0) }
  }

  /// Multiply-adds per token of the projections (the attention products depend on the canvas:
  /// `2 · T · H · d` per query).
  public var projectionMultiplyAddsPerToken: Int {
    (projection.linears + [output]).reduce(0) { $0 + $1.multiplyAddsPerRow }
  }

  /// Projects `rows` normed rows: keys and values for every row into `keys` and `values`
  /// (`[rows, Hkv·d]`, normed and rotated with `tables`), and queries `[n, H·d]` into `queries`
  /// for the rows `kept` (ascending; nil: all), rotated with `keptTables`. `normed` is spent:
  /// its first `n` rows end up holding the kept rows.
  ///
  /// Every row goes through the kernels on its own, so a kept row's query has the same bits
  /// as in a pass that keeps every row.
  func project(
    _ normed: UnsafeMutablePointer<Float>, rows: Int, keeping kept: [Int]?,
    tables: (cos: [Float], sin: [Float]), keptTables: (cos: [Float], sin: [Float]),
    rope: RotaryEmbedding, queries: UnsafeMutablePointer<Float>,
    keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>,
    fused: UnsafeMutablePointer<Float>
  ) {
    let model = output.outFeatures
    let qWidth = shape.heads * shape.headDimension
    let kvWidth = shape.kvHeads * shape.headDimension
    let n = kept?.count ?? rows
    switch projection {
    case .separate(let query, let key, let value):
      key.apply(normed, rows: rows, into: keys)
      value.apply(normed, rows: rows, into: values)
      Self.compact(normed, width: model, rows: kept)
      query.apply(normed, rows: n, into: queries)
    case .sharedKeyValue(let query, let key):
      key.apply(normed, rows: rows, into: keys)
      values.update(from: keys, count: rows * kvWidth)
      Self.compact(normed, width: model, rows: kept)
      query.apply(normed, rows: n, into: queries)
    case .fused(let qkv):
      qkv.apply(normed, rows: rows, query: queries, key: keys, value: values, scratch: fused)
      Self.compact(queries, width: qWidth, rows: kept)
    }
    keyNorm?.apply(keys, rows: rows)
    valueNorm?.apply(values, rows: rows)
    queryNorm?.apply(queries, rows: n)
    rope.apply(keys, rows: rows, heads: shape.kvHeads, tables: tables)
    rope.apply(queries, rows: n, heads: shape.heads, tables: keptTables)
  }

  /// Attention of `positions.count` query rows (canvas positions `positions`, ascending) against
  /// the `canvasLength` keys and values of one canvas, under `mask`: queries with the same key
  /// range run as one group against that range only.
  func attend(
    queries: UnsafePointer<Float>, positions: [Int], keys: UnsafePointer<Float>,
    values: UnsafePointer<Float>, canvasLength: Int, mask: AttentionMask,
    into out: UnsafeMutablePointer<Float>
  ) {
    let qWidth = shape.heads * shape.headDimension
    let kvWidth = shape.kvHeads * shape.headDimension
    var start = 0
    while start < positions.count {
      let range = mask.keys(for: positions[start], canvasLength: canvasLength)
      var end = start + 1
      while end < positions.count,
        mask.keys(for: positions[end], canvasLength: canvasLength) == range
      {
        end += 1
      }
      Attention.attend(
        q: queries + start * qWidth, k: keys + range.lowerBound * kvWidth,
        v: values + range.lowerBound * kvWidth, into: out + start * qWidth, queries: end - start,
        keys: range.count, heads: shape.heads, kvHeads: shape.kvHeads,
        headDimension: shape.headDimension, scale: scoreScale)
      start = end
    }
  }

  /// Moves rows `kept` (ascending) of `buffer` to its first rows, in order: a source never lies
  /// before its destination, so nothing is overwritten before it is read.
  static func compact(_ buffer: UnsafeMutablePointer<Float>, width: Int, rows kept: [Int]?) {
    guard let kept else { return }
    for (j, row) in kept.enumerated() where row != j {
      (buffer + j * width).update(from: buffer + row * width, count: width)
    }
  }
}
