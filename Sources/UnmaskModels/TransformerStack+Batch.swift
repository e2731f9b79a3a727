import UnmaskKernels

// Batched forward pass: the canvases are packed row after row, so every projection runs once
// over all of them (the weights are read once per pass, which is what batching buys on a CPU),
// while RoPE and attention run per canvas: canvas i sees only its own positions, at positions
// 0..<T_i, exactly as if it ran alone. A padded batch with an attention mask computes the same
// thing plus the padding.

extension TransformerStack {
  /// Raw logits `[T_i, V]` for each canvas, in one pass.
  public func logits(forBatch canvases: [[Int32]]) throws -> [Matrix] {
    try logits(forBatch: canvases, rows: canvases.map { _ in .all })
  }

  /// Raw logits of `rows[i]` of canvas i (`[n_i, V]` for `.positions`), in one pass: the last
  /// block computes keys and values for every row and the rest for the rows asked for only,
  /// as `logits(for:rows:)` does for one canvas (bit for bit on the kernel paths; on `.blas`
  /// every row is computed and the rows gathered).
  public func logits(forBatch canvases: [[Int32]], rows: [LogitRows]) throws -> [Matrix] {
    precondition(rows.count == canvases.count, "one LogitRows per canvas")
    guard canvases.count > 1 else {
      return try zip(canvases, rows).map { try logits(for: $0, rows: $1) }
    }
    for canvas in canvases { try ModelError.check(canvas, vocabularySize: embeddingRows) }
    for (canvas, rows) in zip(canvases, rows) {
      guard let positions = rows.positions else { continue }
      LogitRows.checkPositions(positions, in: 0..<canvas.count)
    }
    let restricted = KernelPath.current != .blas && rows.contains { $0.positions != nil }
    if !restricted && rows.contains(where: { $0.positions != nil }) {
      return zip(try logits(forBatch: canvases), rows).map { full, rows in
        rows.positions.map { LogitRows.gather($0, from: full) } ?? full
      }
    }
    var segments: [Range<Int>] = []
    var total = 0
    for canvas in canvases {
      segments.append(total..<(total + canvas.count))
      total += canvas.count
    }
    let d = modelDimension
    let x = UnsafeMutablePointer<Float>.allocate(capacity: total * d)
    defer { x.deallocate() }
    for (canvas, segment) in zip(canvases, segments) {
      embed(canvas, positions: 0..<canvas.count, into: x + segment.lowerBound * d)
    }

    // RoPE tables per packed row: each canvas restarts at position 0.
    let (cosines, sines) = ropeTables(
      packing: canvases.map { 0..<$0.count }, canvasLength: canvases.map(\.count).max() ?? 0)
    let mlp = blocks.first?.gate.outFeatures ?? 0
    let scratch = buffers.takeScratch(tokens: total, model: d, attention: attention, mlp: mlp)
    defer { buffers.giveBack(scratch) }
    for (index, block) in blocks.enumerated() {
      if restricted, index == blocks.count - 1 {
        // Each canvas's kept rows attend to that canvas's keys and values only.
        let kvWidth = attention.kvHeads * attention.headDimension
        let groups = zip(segments, rows).map { segment, rows in
          TransformerBlock.KeyValueRows.Group(
            rows: (rows.positions ?? Array(0..<segment.count)).map { segment.lowerBound + $0 },
            keys: scratch.key + segment.lowerBound * kvWidth,
            values: scratch.value + segment.lowerBound * kvWidth, count: segment.count)
        }
        block.forward(
          x, rows: total,
          keyValues: TransformerBlock.KeyValueRows(
            written: (scratch.key, scratch.value), groups: groups),
          attention: attention, rope: rope, ropeTables: (cosines, sines), scratch: scratch)
      } else {
        block.forward(
          x, segments: segments, attention: attention, rope: rope, ropeTables: (cosines, sines),
          scratch: scratch)
      }
    }
    // x holds every canvas's kept rows, compacted in order: [Σn_i, model] -> [n_i, V] each.
    let kept =
      restricted
      ? zip(segments, rows).map { $1.positions?.count ?? $0.count } : segments.map(\.count)
    let keptRows = kept.reduce(0, +)
    finalNorm.apply(x, rows: keptRows, into: x)
    var first = 0
    return kept.map { count in
      defer { first += count }
      return logits(ofNormed: x + first * d, rows: count)
    }
  }
}

extension TransformerBlock {
  /// Runs the block in place on packed canvases (`x` is `[ΣT_i, model]`); attention stays
  /// inside each segment.
  func forward(
    _ x: UnsafeMutablePointer<Float>, segments: [Range<Int>], attention shape: AttentionShape,
    rope: RotaryEmbedding, ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    let rows = segments.last?.upperBound ?? 0
    let qWidth = shape.heads * shape.headDimension
    let kvWidth = shape.kvHeads * shape.headDimension
    projectRotated(x, rows: rows, attention: shape, rope: rope, ropeTables: ropeTables, scratch: s)
    for segment in segments {
      let r = segment.lowerBound
      Attention.bidirectional(
        q: s.query + r * qWidth, k: s.key + r * kvWidth, v: s.value + r * kvWidth,
        into: s.attended + r * qWidth, tokens: segment.count, heads: shape.heads,
        kvHeads: shape.kvHeads, headDimension: shape.headDimension)
    }
    finish(x, rows: rows, scratch: s)
  }
}
