/// One canvas of a forward pass: its tokens, the positions run, the rows returned, and the
/// key/value cache it reads and writes.
///
/// - A full pass: `window == 0..<T`, no cache. With a cache, the same pass also fills it
///   (Fast-dLLM's `model(x, use_cache=True)` at a block's start).
/// - A window pass: `window` shorter than the canvas, with the cache of an earlier pass: the
///   window's queries attend to every position the mask allows, positions outside the window
///   read their keys and values from the cache, and the window's rows of the cache are
///   overwritten (Fast-dLLM's prefix and dual caches; the exact cache of block-causal models).
public struct ForwardCanvas: Sendable {
  /// The canvas `[T]`.
  public var tokens: [Int32]
  /// Positions computed, at their absolute RoPE positions.
  public var window: Range<Int>
  /// Rows returned: `.all` (`[window.count, V]`) or ascending positions inside `window`
  /// (`[n, V]`, row `j` for `positions[j]`). A pass told so computes only those rows past the
  /// last layer's keys and values; the rows it computes are the same bits either way.
  public var rows: LogitRows
  /// The cache this canvas reads and writes (`positions == tokens.count`); required when the
  /// window is not the whole canvas.
  public var cache: KVCache?
  /// The noise level σ a time-conditioned network is given with this canvas (the `sigma` of
  /// MDLM's and BD3-LM's `forward(indices, sigma)`: the total noise σ(t), `-log(1 - p)` for a
  /// masking probability `p`). 0 by default; networks without a noise input (LLaDA, Dream)
  /// ignore it, and a DiT without time conditioning zeroes it, as its reference does.
  public var sigma: Double

  /// A canvas; by default a full pass returning every row, without a cache, at noise level 0.
  public init(
    tokens: [Int32], window: Range<Int>? = nil, rows: LogitRows = .all, cache: KVCache? = nil,
    sigma: Double = 0
  ) {
    self.tokens = tokens
    self.window = window ?? 0..<tokens.count
    self.rows = rows
    self.cache = cache
    self.sigma = sigma
  }

  /// Whether the pass runs every position of the canvas.
  public var isWholeCanvas: Bool { window == 0..<tokens.count }

  /// The rows returned, relative to the window's start (nil: all of them).
  public var relativeRows: [Int]? {
    rows.positions.map { $0.map { $0 - window.lowerBound } }
  }
}

/// A forward pass: one or more canvases run together (each exactly as if alone, every
/// projection reading its weights once for all of them) under one attention mask.
///
/// `MaskPredictor.logits(for:)` takes it; the shorthands `logits(for: tokens)` and
/// `logits(for: tokens, rows:)` build the one-canvas request.
public struct ForwardRequest: Sendable {
  /// The canvases, in order; the result holds one matrix per canvas.
  public var canvases: [ForwardCanvas]
  /// The attention mask, or nil for the model's own (`MaskPredictor.attentionMask`).
  public var mask: AttentionMask?

  /// A request over `canvases` under `mask` (nil: the model's own).
  public init(_ canvases: [ForwardCanvas], mask: AttentionMask? = nil) {
    self.canvases = canvases
    self.mask = mask
  }

  /// A full pass over one canvas, at noise level `sigma` (see `ForwardCanvas.sigma`).
  public init(
    tokens: [Int32], rows: LogitRows = .all, mask: AttentionMask? = nil, sigma: Double = 0
  ) {
    self.init([ForwardCanvas(tokens: tokens, rows: rows, sigma: sigma)], mask: mask)
  }

  /// Whether some canvas returns only some rows of its window.
  public var restrictsRows: Bool {
    canvases.contains { canvas in
      canvas.rows.positions.map { $0.count != canvas.window.count } ?? false
    }
  }

  /// The same canvases with every row of every window asked for.
  public var allRows: ForwardRequest {
    var copy = self
    for i in copy.canvases.indices { copy.canvases[i].rows = .all }
    return copy
  }

  /// Each canvas's rows picked out of its whole-window result (`full[i]` is `[window.count, V]`).
  public func gatherRows(from full: [Matrix]) -> [Matrix] {
    zip(canvases, full).map { canvas, matrix in
      canvas.relativeRows.map { LogitRows.gather($0, from: matrix) } ?? matrix
    }
  }

  /// Runs a predictor that computes a whole canvas at a time (`compute(tokens) -> [T, V]`) over
  /// this request: every canvas must be a full pass without a cache, under the full mask.
  /// Test doubles and oracles answer `logits(for:)` with this.
  public func computingWholeCanvases(_ compute: ([Int32]) throws -> Matrix) throws -> [Matrix] {
    if let mask, !mask.isFull {
      throw PredictorError.unsupported(
        "it attends to the whole canvas, not under a \(mask.name) mask")
    }
    return try canvases.map { canvas in
      guard canvas.isWholeCanvas, canvas.cache == nil else {
        throw PredictorError.unsupported("it has no key/value cache")
      }
      let full = try compute(canvas.tokens)
      return canvas.rows.positions.map { LogitRows.gather($0, from: full) } ?? full
    }
  }
}
