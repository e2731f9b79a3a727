import UnmaskKernels

/// The pre-norm Llama-style block that LLaDA (`LLaDALlamaBlock`) and Qwen2/Dream
/// (`DreamDecoderLayer`) share, with bidirectional attention:
///
///     h = x + O · Attention(RoPE(Q · n₁(x)), RoPE(K · n₁(x)), V · n₁(x))
///     y = h + Down · (silu(Gate · n₂(h)) ⊙ (Up · n₂(h)))
///
/// The architectures differ only in tensor names and config fields, which their own files map.
public struct TransformerBlock: Sendable {
  /// Norm before attention (`attn_norm` / `input_layernorm`).
  public var attentionNorm: RMSNorm
  /// Query projection `[heads · d, model]`.
  public var query: Linear
  /// Key projection `[kvHeads · d, model]`.
  public var key: Linear
  /// Value projection `[kvHeads · d, model]`.
  public var value: Linear
  /// Attention output projection `[model, heads · d]` (`attn_out` / `o_proj`).
  public var output: Linear
  /// Norm before the MLP (`ff_norm` / `post_attention_layernorm`).
  public var mlpNorm: RMSNorm
  /// SwiGLU gate projection (`ff_proj` / `gate_proj`).
  public var gate: Linear
  /// SwiGLU up projection (`up_proj`).
  public var up: Linear
  /// MLP down projection (`ff_out` / `down_proj`).
  public var down: Linear

  /// A block from its parts.
  public init(
    attentionNorm: RMSNorm, query: Linear, key: Linear, value: Linear, output: Linear,
    mlpNorm: RMSNorm, gate: Linear, up: Linear, down: Linear
  ) {
    self.attentionNorm = attentionNorm
    self.query = query
    self.key = key
    self.value = value
    self.output = output
    self.mlpNorm = mlpNorm
    self.gate = gate
    self.up = up
    self.down = down
  }
}

/// Attention geometry shared by every block of a model.
public struct AttentionShape: Sendable, Equatable {
  /// Query heads.
  public var heads: Int
  /// Key/value heads (equal to `heads` without grouped-query attention).
  public var kvHeads: Int
  /// Dimensions per head.
  public var headDimension: Int

  /// A geometry; `heads` must be a multiple of `kvHeads`.
  public init(heads: Int, kvHeads: Int, headDimension: Int) {
    self.heads = heads
    self.kvHeads = kvHeads
    self.headDimension = headDimension
  }
}

/// Scratch buffers for forward passes over up to `tokens` tokens (kept between passes by
/// `ForwardBuffers`).
final class ForwardScratch {
  let normed, query, key, value, attended, gate, up: UnsafeMutablePointer<Float>
  /// Rows each buffer holds; a pass over fewer rows uses the first ones.
  let tokens: Int

  init(tokens: Int, model: Int, attention: AttentionShape, mlp: Int) {
    self.tokens = tokens
    let kv = attention.kvHeads * attention.headDimension
    let q = attention.heads * attention.headDimension
    normed = .allocate(capacity: tokens * model)
    query = .allocate(capacity: tokens * q)
    key = .allocate(capacity: tokens * kv)
    value = .allocate(capacity: tokens * kv)
    attended = .allocate(capacity: tokens * q)
    gate = .allocate(capacity: tokens * mlp)
    up = .allocate(capacity: tokens * mlp)
  }

  deinit {
    for buffer in [normed, query, key, value, attended, gate, up] { buffer.deallocate() }
  }
}

extension TransformerBlock {
  /// Runs the block in place on the residual stream `x` (`[T, model]`).
  func forward(
    _ x: UnsafeMutablePointer<Float>, tokens: Int, attention shape: AttentionShape,
    rope: RotaryEmbedding, ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    // Attention: [T, model] -> q [T, H·d], k/v [T, Hkv·d] -> [T, H·d] -> [T, model]
    projectRotated(
      x, rows: tokens, attention: shape, rope: rope, ropeTables: ropeTables, scratch: s)
    Attention.bidirectional(
      q: s.query, k: s.key, v: s.value, into: s.attended, tokens: tokens, heads: shape.heads,
      kvHeads: shape.kvHeads, headDimension: shape.headDimension)
    finish(x, rows: tokens, scratch: s)
  }

  /// The block for a pass that needs only the rows `positions` of its output (the last block
  /// of a row-restricted pass): keys and values for all `tokens` rows, everything else for
  /// `positions` only. On return `x` holds those rows' outputs compacted, `[n, model]`, in the
  /// order given; the rest of `x` is spent.
  ///
  /// Each computed row goes through the same kernels as in `forward(_:tokens:...)`, which sum
  /// every row on its own, so it comes out bit for bit the same.
  func forward(
    _ x: UnsafeMutablePointer<Float>, tokens: Int, rows positions: [Int],
    attention shape: AttentionShape, rope: RotaryEmbedding,
    ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    forward(
      x, rows: tokens,
      keyValues: KeyValueRows(
        written: (s.key, s.value),
        groups: [.init(rows: positions, keys: s.key, values: s.value, count: tokens)]),
      attention: shape, rope: rope, ropeTables: ropeTables, scratch: s)
  }

  /// Where a restricted block writes its rows' keys and values, and which keys each group of
  /// the rows it keeps attends to: the pass's own (a full pass; one group per canvas of a
  /// batch) or a whole cached canvas (a window pass).
  struct KeyValueRows {
    /// `[rows, Hkv·d]` each: where the pass's rotated keys and its values go.
    var written: (keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>)
    /// The kept rows, group after group, ascending overall.
    var groups: [Group]

    struct Group {
      /// Indices into the pass's rows, ascending.
      var rows: [Int]
      /// `[count, Hkv·d]` each: every key and value these rows attend to.
      var keys: UnsafePointer<Float>
      var values: UnsafePointer<Float>
      var count: Int

      init(
        rows: [Int], keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>,
        count: Int
      ) {
        self.rows = rows
        self.keys = UnsafePointer(keys)
        self.values = UnsafePointer(values)
        self.count = count
      }
    }
  }

  /// The restricted block over `rows` rows of `x` (rotated with `ropeTables`, one entry per
  /// row), keeping the outputs of the groups' rows compacted in `x`, in order. Keys and values
  /// are computed for every row.
  func forward(
    _ x: UnsafeMutablePointer<Float>, rows: Int, keyValues kv: KeyValueRows,
    attention shape: AttentionShape, rope: RotaryEmbedding,
    ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    let positions = kv.groups.flatMap(\.rows)
    let n = positions.count
    let model = output.outFeatures
    attentionNorm.apply(x, rows: rows, into: s.normed)
    key.apply(s.normed, rows: rows, into: kv.written.keys)
    value.apply(s.normed, rows: rows, into: kv.written.values)
    rope.apply(kv.written.keys, rows: rows, heads: shape.kvHeads, tables: ropeTables)
    // Compact the needed rows in place: positions ascend, so row positions[j] >= j is read
    // before any later row overwrites it.
    for (j, position) in positions.enumerated() where position != j {
      (s.normed + j * model).update(from: s.normed + position * model, count: model)
      (x + j * model).update(from: x + position * model, count: model)
    }
    let half = rope.headDimension / 2
    var cosines = [Float](), sines = [Float]()
    cosines.reserveCapacity(n * half)
    sines.reserveCapacity(n * half)
    for position in positions {
      cosines.append(contentsOf: ropeTables.cos[(position * half)..<((position + 1) * half)])
      sines.append(contentsOf: ropeTables.sin[(position * half)..<((position + 1) * half)])
    }
    // Queries [n, H·d] at their own positions, each group against its keys.
    query.apply(s.normed, rows: n, into: s.query)
    rope.apply(s.query, rows: n, heads: shape.heads, tables: (cosines, sines))
    let qWidth = shape.heads * shape.headDimension
    var first = 0
    for group in kv.groups {
      Attention.attend(
        q: s.query + first * qWidth, k: group.keys, v: group.values,
        into: s.attended + first * qWidth, queries: group.rows.count, keys: group.count,
        heads: shape.heads, kvHeads: shape.kvHeads, headDimension: shape.headDimension)
      first += group.rows.count
    }
    finish(x, rows: n, scratch: s)
  }

  /// The attention inputs of `rows` rows of `x`: normed, projected to queries, keys and values
  /// in `s.query`, `s.key`, `s.value`, queries and keys rotated with `ropeTables` (one entry per
  /// row). Shared by the full pass and the batched passes.
  func projectRotated(
    _ x: UnsafeMutablePointer<Float>, rows: Int, attention shape: AttentionShape,
    rope: RotaryEmbedding, ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    attentionNorm.apply(x, rows: rows, into: s.normed)
    query.apply(s.normed, rows: rows, into: s.query)
    key.apply(s.normed, rows: rows, into: s.key)
    value.apply(s.normed, rows: rows, into: s.value)
    rope.apply(s.query, rows: rows, heads: shape.heads, tables: ropeTables)
    rope.apply(s.key, rows: rows, heads: shape.kvHeads, tables: ropeTables)
  }

  /// The block after attention, shared by every forward variant (full, batched, cached):
  /// the output projection of `s.attended` added to `x`, then the MLP added to `x`.
  /// `[rows, H·d] -> [rows, model]`; MLP `[rows, model] -> gate, up [rows, mlp] -> [rows, model]`.
  func finish(_ x: UnsafeMutablePointer<Float>, rows: Int, scratch s: ForwardScratch) {
    let model = output.outFeatures
    output.apply(s.attended, rows: rows, into: s.normed)
    add(s.normed, into: x, count: rows * model)
    mlpNorm.apply(x, rows: rows, into: s.normed)
    gate.apply(s.normed, rows: rows, into: s.gate)
    up.apply(s.normed, rows: rows, into: s.up)
    VectorMath.swiglu(s.gate, s.up, count: rows * gate.outFeatures)
    down.apply(s.gate, rows: rows, into: s.normed)
    add(s.normed, into: x, count: rows * model)
  }

  private func add(_ source: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int)
  {
    for i in 0..<count { x[i] += source[i] }
  }
}
