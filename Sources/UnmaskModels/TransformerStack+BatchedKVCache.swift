import UnmaskKernels

// Several canvases' cached passes in one forward pass: the windows' rows are packed one after
// another, so every projection reads its weights once for the batch, while each window's keys
// and values go into its own cache and its queries attend to that cache only (at their
// absolute RoPE positions), exactly as `logits(for:window:cache:rows:)` does for one canvas.

extension TransformerStack {
  /// Raw logits for each request (`[window.count, V]`, or `[n, V]` for `.positions`), in one
  /// pass; each request's cache is left as its own window pass would leave it.
  ///
  /// As in a single window pass, the last block computes keys and values for every row and the
  /// rest (attention, output projection, MLP, final norm, head) for the rows asked for only. On
  /// the kernel paths each row is summed alone, so the results equal the single passes bit for
  /// bit; on `.blas` within rounding.
  public func logits(forWindows requests: [CachedWindow]) throws -> [Matrix] {
    guard requests.count > 1 else {
      return try requests.map {
        try logits(for: $0.tokens, window: $0.window, cache: $0.cache, rows: $0.rows)
      }
    }
    var segments: [Range<Int>] = []
    var kept: [[Int]] = []  // rows returned, relative to the window
    var total = 0
    for request in requests {
      let (tokens, window, cache) = (request.tokens, request.window, request.cache)
      try ModelError.check(tokens, vocabularySize: embeddingRows)
      precondition(
        cache.positions == tokens.count,
        "the cache covers \(cache.positions) positions, not \(tokens.count)")
      precondition(
        window.lowerBound >= 0 && window.upperBound <= tokens.count && !window.isEmpty,
        "window \(window) is outside the canvas 0..<\(tokens.count)")
      let relative =
        request.rows.positions?.map { $0 - window.lowerBound } ?? Array(0..<window.count)
      LogitRows.checkPositions(relative, in: 0..<window.count)
      segments.append(total..<(total + window.count))
      kept.append(relative)
      total += window.count
    }
    let d = modelDimension
    let x = UnsafeMutablePointer<Float>.allocate(capacity: total * d)
    defer { x.deallocate() }
    for (request, segment) in zip(requests, segments) {
      embed(request.tokens, positions: request.window, into: x + segment.lowerBound * d)
    }

    // RoPE tables per packed row: each window at its own absolute positions.
    let (cosines, sines) = ropeTables(
      packing: requests.map(\.window), canvasLength: requests.map(\.tokens.count).max() ?? 0)
    let mlp = blocks.first?.gate.outFeatures ?? 0
    let scratch = buffers.takeScratch(tokens: total, model: d, attention: attention, mlp: mlp)
    defer { buffers.giveBack(scratch) }
    let windows = zip(requests, segments).map { ($1, $0.window, $0.cache) }
    for (layer, block) in blocks.enumerated() {
      // The last block keeps the rows asked for only, compacted in request order.
      block.forward(
        x, windows: windows, keeping: layer == blocks.count - 1 ? kept : nil, layer: layer,
        attention: attention, rope: rope, ropeTables: (cosines, sines), scratch: scratch)
    }
    let keptRows = kept.reduce(0) { $0 + $1.count }
    finalNorm.apply(x, rows: keptRows, into: x)
    let all = logits(ofNormed: x, rows: keptRows)
    let v = all.columns
    var start = 0
    return kept.map { rows in
      defer { start += rows.count }
      return Matrix(
        rows: rows.count, columns: v,
        values: Array(all.values[(start * v)..<((start + rows.count) * v)]))
    }
  }
}

extension TransformerBlock {
  /// Runs the block in place on packed windows (`x` is `[Σn_i, model]`, window i in rows
  /// `segment`): each window's rotated keys and values are written into its cache at its
  /// positions, and its queries attend to every position of that cache. With `keeping` (rows
  /// of each window, relative to it, ascending), only those rows go on past the keys and
  /// values: attention, output projection and MLP run for them alone, and `x` ends holding
  /// their outputs compacted in order (the rest of `x` is spent).
  func forward(
    _ x: UnsafeMutablePointer<Float>,
    windows: [(segment: Range<Int>, window: Range<Int>, cache: KVCache)], keeping: [[Int]]?,
    layer: Int, attention shape: AttentionShape, rope: RotaryEmbedding,
    ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    let rows = windows.last?.segment.upperBound ?? 0
    let qWidth = shape.heads * shape.headDimension
    let model = output.outFeatures
    projectRotated(
      x, rows: rows, attention: shape, rope: rope, ropeTables: ropeTables, scratch: s)
    var first = 0  // the window's first query row (compacted when keeping)
    for (k, (segment, window, cache)) in windows.enumerated() {
      let width = cache.width
      let keys = cache.keys(layer: layer)
      let values = cache.values(layer: layer)
      let count = segment.count * width
      (keys + window.lowerBound * width).update(
        from: s.key + segment.lowerBound * width, count: count)
      (values + window.lowerBound * width).update(
        from: s.value + segment.lowerBound * width, count: count)
      var queries = segment.count
      if let keeping {
        // Compact the kept rows' queries and residuals in place: sources never lie before
        // their destinations, so nothing is overwritten before it is read.
        for (j, row) in keeping[k].enumerated() where segment.lowerBound + row != first + j {
          let source = segment.lowerBound + row
          (s.query + (first + j) * qWidth).update(from: s.query + source * qWidth, count: qWidth)
          (x + (first + j) * model).update(from: x + source * model, count: model)
        }
        queries = keeping[k].count
      } else {
        first = segment.lowerBound
      }
      Attention.attend(
        q: s.query + first * qWidth, k: keys, v: values, into: s.attended + first * qWidth,
        queries: queries, keys: cache.positions, heads: shape.heads, kvHeads: shape.kvHeads,
        headDimension: shape.headDimension)
      first += queries
    }
    finish(x, rows: keeping == nil ? rows : first, scratch: s)
  }
}
