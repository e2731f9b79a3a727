import UnmaskKernels

/// Embedding, blocks, final norm and output head: the forward pass both architectures run.
///
///     tokens [T] -> embed [T, model] -> blocks -> final norm -> head [T, V]
public struct TransformerStack: Sendable {
  /// Token embedding table `[V, model]`, used in place.
  public var embedding: TensorView
  /// The blocks, in order.
  public var blocks: [TransformerBlock]
  /// Norm after the last block.
  public var finalNorm: RMSNorm
  /// Output projection `[V, model]` (the embedding itself when weights are tied).
  public var head: Linear
  /// Attention geometry.
  public var attention: AttentionShape
  /// Rotary embedding.
  public var rope: RotaryEmbedding
  /// Multiplier on embeddings before the first block (LLaDA's `input_emb_norm`: sqrt(model)).
  public var embeddingScale: Float
  /// Multiplier on logits (LLaDA's `scale_logits`: 1/sqrt(model)).
  public var logitScale: Float
  /// Scratch and RoPE tables kept from one full pass to the next.
  let buffers = ForwardBuffers()

  /// Model width.
  public var modelDimension: Int { embedding.shape[1] }
  /// Rows of the embedding table: the ids a canvas may hold.
  public var embeddingRows: Int { embedding.shape[0] }
  /// Logits per position.
  public var vocabularySize: Int { head.outFeatures }

  /// Raw logits `[T, V]`: row `i` is the model's output at position `i`.
  public func logits(for tokens: [Int32]) throws -> Matrix {
    try logits(for: tokens, rows: .all)
  }

  /// Raw logits of `rows` only (`[n, V]` for `.positions`, see `LogitRows`): every block but
  /// the last runs on all `T` rows, the last computes keys and values for all of them and the
  /// rest (queries, attention, output projection, MLP, final norm, head) for `rows` only.
  /// The rows equal those of `logits(for:)` bit for bit on the kernel paths (see
  /// `Attention.attend`). On `.blas` every row is computed and the rows gathered: BLAS may block
  /// a GEMM of a few rows differently from one of `T` rows (measured: Dream's rows moved in the
  /// last bits), and the rows read must not depend on which others were asked for.
  ///
  /// - Precondition: `rows` lists ascending, distinct positions of the canvas.
  public func logits(for tokens: [Int32], rows: LogitRows) throws -> Matrix {
    try ModelError.check(tokens, vocabularySize: embeddingRows)
    let t = tokens.count
    let d = modelDimension
    var selected = rows.positions
    if let positions = selected {
      LogitRows.checkPositions(positions, in: 0..<t)
      // Every row asked for is the full pass; `.blas` computes them all and gathers.
      if positions.count == t { selected = nil }
      if KernelPath.current == .blas {
        return LogitRows.gather(positions, from: try logits(for: tokens, rows: .all))
      }
    }
    let x = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
    defer { x.deallocate() }
    embed(tokens, positions: 0..<t, into: x)

    let mlp = blocks.first?.gate.outFeatures ?? 0
    let scratch = buffers.takeScratch(tokens: t, model: d, attention: attention, mlp: mlp)
    defer { buffers.giveBack(scratch) }
    let tables = buffers.ropeTables(rope, positions: t)
    for (index, block) in blocks.enumerated() {
      if let selected, index == blocks.count - 1 {
        block.forward(
          x, tokens: t, rows: selected, attention: attention, rope: rope, ropeTables: tables,
          scratch: scratch)
      } else {
        block.forward(
          x, tokens: t, attention: attention, rope: rope, ropeTables: tables, scratch: scratch)
      }
    }
    guard let selected else {
      finalNorm.apply(x, rows: t, into: x)
      return logits(ofNormed: x, rows: t)
    }
    // x holds the selected rows, compacted: [n, model] -> [n, V].
    let n = selected.count
    guard n > 0 else { return Matrix(rows: 0, columns: vocabularySize) }
    finalNorm.apply(x, rows: n, into: x)
    return logits(ofNormed: x, rows: n)
  }

  /// The output head over `rows` final-normed rows of `x` (`[rows, model] -> [rows, V]`),
  /// scaled when the checkpoint scales its logits; shared by every forward variant.
  func logits(ofNormed x: UnsafePointer<Float>, rows: Int) -> Matrix {
    var result = Matrix(rows: rows, columns: vocabularySize)
    result.values.withUnsafeMutableBufferPointer { out in
      guard let base = out.baseAddress else { return }
      head.apply(x, rows: rows, into: base)
      if logitScale != 1 { for i in 0..<out.count { base[i] *= logitScale } }
    }
    return result
  }

  /// Weight elements in the stack (the embedding counted once when tied).
  public var parameterCount: Int {
    var total = embedding.elementCount + (finalNorm.weight?.count ?? 0)
    if head.weight.name != embedding.name { total += head.weight.elementCount }
    for block in blocks {
      for linear in [
        block.query, block.key, block.value, block.output, block.gate, block.up, block.down,
      ] {
        total += linear.weight.elementCount + (linear.bias?.count ?? 0)
      }
      total += (block.attentionNorm.weight?.count ?? 0) + (block.mlpNorm.weight?.count ?? 0)
    }
    return total
  }

  /// FLOPs of one forward pass over `tokens` positions: 2 per multiply-add in every projection
  /// plus the attention products `QKᵀ` and `PV`.
  public func flops(tokens: Int) -> Double {
    var perToken = 0
    for block in blocks {
      for linear in [
        block.query, block.key, block.value, block.output, block.gate, block.up, block.down,
      ] {
        perToken += linear.outFeatures * linear.inFeatures
      }
    }
    perToken += head.outFeatures * head.inFeatures
    let attentionProducts = blocks.count * 2 * tokens * attention.heads * attention.headDimension
    return 2 * Double(tokens) * Double(perToken + attentionProducts)
  }
}
