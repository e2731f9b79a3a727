import UnmaskKernels

/// Fast-dLLM's block sampler caches for Dream (`dream/model/generation_utils_block.py`).
///
/// The full pass shifts the whole canvas as `logits(for:)` does. A window pass shifts inside
/// the window only, as the reference does (`torch.cat([logits[:, :1], logits[:, :-1]])` on the
/// window's logits): its first row is the raw row of the window's first position, not of the
/// position before it. The reference commits that position at the block's start, so the row
/// is never read while it is masked.
extension DreamModel: KVCachingPredictor {
  /// A cache for a canvas of `positions` tokens.
  public func makeKVCache(positions: Int) -> KVCache { stack.makeKVCache(positions: positions) }

  /// Shifted logits `[T, V]` of a full pass that fills `cache`.
  public func logits(for tokens: [Int32], filling cache: KVCache) throws -> Matrix {
    Self.shifted(try stack.logits(for: tokens, window: 0..<tokens.count, cache: cache))
  }

  /// Logits `[window.count, V]` of the window, shifted inside the window.
  public func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache) throws -> Matrix {
    Self.shifted(try stack.logits(for: tokens, window: window, cache: cache))
  }

  /// Shifted logits of `rows` of the window only: position p reads raw row p - 1 (the window's
  /// first position its own raw row), so the pass computes those raw rows.
  public func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows)
    throws -> Matrix
  {
    guard let positions = rows.positions else {
      return try logits(for: tokens, window: window, cache: cache)
    }
    let (raw, rowOf) = Self.rawRows(reading: positions, first: window.lowerBound)
    let computed = try stack.logits(
      for: tokens, window: window, cache: cache, rows: .positions(raw))
    return LogitRows.gather(rowOf, from: computed)
  }

  /// Row i = row i - 1, row 0 kept (`cat([logits[:, :1], logits[:, :-1]])`).
  static func shifted(_ raw: Matrix) -> Matrix {
    var logits = raw
    let v = logits.columns
    logits.values.withUnsafeMutableBufferPointer { values in
      guard let base = values.baseAddress, logits.rows > 1 else { return }
      (base + v).update(from: base, count: (logits.rows - 1) * v)
    }
    return logits
  }
}

/// Several canvases' cached passes in one forward pass (see `BatchKVCachingPredictor`), each
/// window shifted inside itself as `logits(for:window:cache:rows:)` shifts it.
extension DreamModel: BatchKVCachingPredictor {
  /// Shifted logits for each request, in one pass.
  public func logits(forWindows requests: [CachedWindow]) throws -> [Matrix] {
    var raw = requests
    var rowOf: [[Int]?] = []
    for (k, request) in requests.enumerated() {
      guard let positions = request.rows.positions else {
        rowOf.append(nil)
        continue
      }
      let mapped = Self.rawRows(reading: positions, first: request.window.lowerBound)
      raw[k].rows = .positions(mapped.raw)
      rowOf.append(mapped.rowOf)
    }
    return zip(try stack.logits(forWindows: raw), rowOf).map { computed, rows in
      rows.map { LogitRows.gather($0, from: computed) } ?? Self.shifted(computed)
    }
  }
}

/// Several canvases in one forward pass (see `BatchMaskPredictor`), each shifted as
/// `logits(for:)` shifts it.
extension DreamModel: BatchMaskPredictor {
  /// Shifted logits `[T_i, V]` per canvas.
  public func logits(forBatch canvases: [[Int32]]) throws -> [Matrix] {
    try stack.logits(forBatch: canvases).map(Self.shifted)
  }

  /// Shifted logits of `rows[i]` of canvas i: the pass computes the raw rows they read.
  public func logits(forBatch canvases: [[Int32]], rows: [LogitRows]) throws -> [Matrix] {
    let mapped = rows.map { $0.positions.map { Self.rawRows(reading: $0, first: 0) } }
    let raw = mapped.map { $0.map { LogitRows.positions($0.raw) } ?? .all }
    return zip(try stack.logits(forBatch: canvases, rows: raw), mapped).map { computed, map in
      map.map { LogitRows.gather($0.rowOf, from: computed) } ?? Self.shifted(computed)
    }
  }
}
