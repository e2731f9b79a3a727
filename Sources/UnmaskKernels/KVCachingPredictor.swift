/// A mask predictor that can run Fast-dLLM's cached forward passes: a full pass that also
/// fills a `KVCache`, and a pass that recomputes only a window of positions against it.
///
/// - `prefix` cache (`generate_with_prefix_cache`): the window is the block and everything
///   after it; positions before the block read their cached keys and values.
/// - `dual` cache (`generate_with_dual_cache`): the window is the block alone; positions
///   before and after it read the cache.
///
/// In both, the window's fresh keys and values replace its rows in the cache and the window's
/// queries attend to the whole canvas at absolute RoPE positions.
public protocol KVCachingPredictor: MaskPredictor {
  /// A cache sized for a canvas of `positions` tokens.
  func makeKVCache(positions: Int) -> KVCache

  /// Logits `[T, V]` as `logits(for:)` gives them, and every layer's keys and values in `cache`:
  /// the window pass over the whole canvas (`window: 0..<T`) on an empty cache, which is what a
  /// block start restricted to some rows runs instead.
  func logits(for tokens: [Int32], filling cache: KVCache) throws -> Matrix

  /// Logits `[window.count, V]` for the positions in `window` only, every other position read
  /// from `cache` (whose window rows are overwritten). Row `j` is the prediction for position
  /// `window.lowerBound + j`, read as the reference's cached sampler reads it.
  func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache) throws -> Matrix

  /// Logits of `rows` of the window only (`[n, V]` for `.positions`: ascending canvas
  /// positions inside `window`, row `j` for `positions[j]`), equal to those rows of
  /// `logits(for:window:cache:)`; every window position's keys and values are still written.
  func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows) throws
    -> Matrix
}

extension KVCachingPredictor {
  /// Every window row computed, then the rows asked for gathered: always correct, never
  /// faster (conformers that can restrict a window pass implement this themselves).
  public func logits(for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows)
    throws -> Matrix
  {
    let all = try logits(for: tokens, window: window, cache: cache)
    guard let positions = rows.positions else { return all }
    return LogitRows.gather(positions.map { $0 - window.lowerBound }, from: all)
  }
}
