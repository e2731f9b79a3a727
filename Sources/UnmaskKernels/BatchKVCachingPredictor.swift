/// One canvas's cached pass within a batch (see `BatchKVCachingPredictor`): recompute `window`
/// of `tokens` against `cache`, and return `rows` of it. A window of the whole canvas over a
/// fresh cache is the pass that fills the cache (`logits(for:filling:)`).
public struct CachedWindow {
  /// The canvas.
  public var tokens: [Int32]
  /// Positions recomputed; their keys and values are written into `cache`.
  public var window: Range<Int>
  /// This canvas's cache (`positions == tokens.count`).
  public var cache: KVCache
  /// Rows returned: `.all` (`[window.count, V]`) or ascending canvas positions inside `window`.
  public var rows: LogitRows

  /// A request; `rows` defaults to every row of the window.
  public init(tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows = .all) {
    self.tokens = tokens
    self.window = window
    self.cache = cache
    self.rows = rows
  }
}

/// A cached predictor that runs several canvases' cached passes (fills and windows, mixed) in
/// one forward pass: the windows' rows are packed so every projection reads its weights once
/// for the batch, while each canvas's queries attend to its own cache only. Each result must
/// equal that canvas's own `logits(for:window:cache:rows:)`, and leave its cache the same.
public protocol BatchKVCachingPredictor: KVCachingPredictor {
  /// Logits for each request, in order (`[window.count, V]`, or `[n, V]` for `.positions`).
  func logits(forWindows requests: [CachedWindow]) throws -> [Matrix]
}
