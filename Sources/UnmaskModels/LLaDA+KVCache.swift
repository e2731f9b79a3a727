import UnmaskKernels

/// Fast-dLLM's prefix and dual caches for LLaDA (`llada/generate.py`): rows need no shift.
extension LLaDAModel: KVCachingPredictor {
  /// A cache for a canvas of `positions` tokens.
  public func makeKVCache(positions: Int) -> KVCache { stack.makeKVCache(positions: positions) }

  /// Logits `[T, V]` of a full pass that fills `cache`.
  public func logits(for tokens: [Int32], filling cache: KVCache) throws -> Matrix {
    try stack.logits(for: tokens, window: 0..<tokens.count, cache: cache)
  }

  /// Logits `[window.count, V]` of the window's positions against `cache`.
  public func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache) throws -> Matrix {
    try stack.logits(for: tokens, window: window, cache: cache)
  }

  /// Logits of `rows` of the window only; the last block computes those rows alone.
  public func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows)
    throws -> Matrix
  {
    try stack.logits(for: tokens, window: window, cache: cache, rows: rows)
  }
}

/// Several canvases' cached passes in one forward pass (see `BatchKVCachingPredictor`).
extension LLaDAModel: BatchKVCachingPredictor {
  /// Logits for each request, in one pass.
  public func logits(forWindows requests: [CachedWindow]) throws -> [Matrix] {
    try stack.logits(forWindows: requests)
  }
}

/// Several canvases in one forward pass (see `BatchMaskPredictor`).
extension LLaDAModel: BatchMaskPredictor {
  /// Logits `[T_i, V]` per canvas.
  public func logits(forBatch canvases: [[Int32]]) throws -> [Matrix] {
    try stack.logits(forBatch: canvases)
  }

  /// Logits of `rows[i]` of canvas i, the last block restricted to them.
  public func logits(forBatch canvases: [[Int32]], rows: [LogitRows]) throws -> [Matrix] {
    try stack.logits(forBatch: canvases, rows: rows)
  }
}
