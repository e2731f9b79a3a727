import UnmaskKernels

// Fast-dLLM's cached forward passes (NVlabs/Fast-dLLM llada/model/modeling_llada.py,
// `past_key_values` and `replace_position`; dream/model/modeling_dream.py likewise): the
// window's keys and values are written into the cache at their positions, its queries are
// rotated at their absolute positions (`block_end_index - query_len ..< block_end_index` in the
// reference) and attend, without a mask, to every position of the canvas.

extension TransformerStack {
  /// An empty cache for a canvas of `positions` tokens.
  public func makeKVCache(positions: Int) -> KVCache {
    KVCache(
      layers: blocks.count, positions: positions,
      width: attention.kvHeads * attention.headDimension)
  }

  /// Raw logits `[window.count, V]` for the positions in `window`, the other positions' keys
  /// and values read from `cache`; the window's rows of the cache are rewritten.
  ///
  /// With `window == 0..<T` this is the full forward pass that fills the cache (Fast-dLLM's
  /// `model(x, use_cache=True)` at a block's start).
  ///
  /// With `rows: .positions(p)` (ascending canvas positions inside `window`) the last block
  /// computes queries, attention, MLP and head for those rows only and the result is `[n, V]`,
  /// as `logits(for:rows:)` restricts a full pass: every layer still writes the whole window's
  /// keys and values into the cache, and the rows computed equal the unrestricted ones bit for
  /// bit on the kernel paths (on `.blas` every row is computed and the rows gathered).
  public func logits(
    for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows = .all
  ) throws -> Matrix {
    try ModelError.check(tokens, vocabularySize: embeddingRows)
    let t = tokens.count
    precondition(cache.positions == t, "the cache covers \(cache.positions) positions, not \(t)")
    precondition(
      window.lowerBound >= 0 && window.upperBound <= t && !window.isEmpty,
      "window \(window) is outside the canvas 0..<\(t)")
    let n = window.count
    // Rows of the window to keep, relative to its start; nil for all of them.
    var selected = rows.positions.map { $0.map { $0 - window.lowerBound } }
    if let relative = selected {
      LogitRows.checkPositions(relative, in: 0..<n)
      if relative.count == n { selected = nil }
      if KernelPath.current == .blas {
        let all = try logits(for: tokens, window: window, cache: cache)
        return LogitRows.gather(relative, from: all)
      }
    }
    let d = modelDimension
    let x = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
    defer { x.deallocate() }
    embed(tokens, positions: window, into: x)

    let mlp = blocks.first?.gate.outFeatures ?? 0
    let scratch = buffers.takeScratch(tokens: n, model: d, attention: attention, mlp: mlp)
    defer { buffers.giveBack(scratch) }
    let tables = ropeTables(packing: [window], canvasLength: t)  // the window's absolute positions
    for (layer, block) in blocks.enumerated() {
      if let selected, layer == blocks.count - 1 {
        let keys = cache.keys(layer: layer)
        let values = cache.values(layer: layer)
        let offset = window.lowerBound * cache.width
        block.forward(
          x, rows: n,
          keyValues: TransformerBlock.KeyValueRows(
            written: (keys + offset, values + offset),
            groups: [.init(rows: selected, keys: keys, values: values, count: cache.positions)]),
          attention: attention, rope: rope, ropeTables: tables, scratch: scratch)
      } else {
        block.forward(
          x, window: window, layer: layer, cache: cache, attention: attention, rope: rope,
          ropeTables: tables, scratch: scratch)
      }
    }
    let kept = selected?.count ?? n
    guard kept > 0 else { return Matrix(rows: 0, columns: vocabularySize) }
    finalNorm.apply(x, rows: kept, into: x)
    return logits(ofNormed: x, rows: kept)
  }
}

extension TransformerBlock {
  /// Runs the block in place on the window's residual stream `x` (`[n, model]`), writing the
  /// window's rotated keys and values into `cache` and attending over all of its positions.
  func forward(
    _ x: UnsafeMutablePointer<Float>, window: Range<Int>, layer: Int, cache: KVCache,
    attention shape: AttentionShape, rope: RotaryEmbedding,
    ropeTables: (cos: [Float], sin: [Float]), scratch s: ForwardScratch
  ) {
    let n = window.count
    let keys = cache.keys(layer: layer)
    let values = cache.values(layer: layer)
    let newKeys = keys + window.lowerBound * cache.width
    let newValues = values + window.lowerBound * cache.width
    // Attention: [n, model] -> q [n, H·d]; k/v [n, Hkv·d] into the cache rows of the window.
    attentionNorm.apply(x, rows: n, into: s.normed)
    query.apply(s.normed, rows: n, into: s.query)
    key.apply(s.normed, rows: n, into: newKeys)
    value.apply(s.normed, rows: n, into: newValues)
    rope.apply(s.query, rows: n, heads: shape.heads, tables: ropeTables)
    rope.apply(newKeys, rows: n, heads: shape.kvHeads, tables: ropeTables)
    // The window's queries against every cached key: the fused one-pass kernel on the kernel
    // paths, two BLAS GEMMs per head on `.blas`.
    Attention.attend(
      q: s.query, k: keys, v: values, into: s.attended, queries: n, keys: cache.positions,
      heads: shape.heads, kvHeads: shape.kvHeads, headDimension: shape.headDimension)
    finish(x, rows: n, scratch: s)  // output projection and MLP, unchanged
  }
}
