import Testing
import UnmaskCore
@testable import UnmaskModels

// The pass shapes the tests compare, each one `ForwardRequest` through the one entry point.

extension MaskPredictor {
  /// An empty cache for `positions` tokens (the fixtures' models all keep one).
  func cache(positions: Int) throws -> KVCache {
    try #require(makeKVCache(positions: positions))
  }

  /// Several canvases in one pass, each returning `rows[i]`.
  func logits(forBatch canvases: [[Int32]], rows: [LogitRows]? = nil) throws -> [Matrix] {
    let rows = rows ?? canvases.map { _ in .all }
    return try logits(
      for: ForwardRequest(zip(canvases, rows).map { ForwardCanvas(tokens: $0, rows: $1) }))
  }

  /// A full pass that fills `cache`.
  func logits(for tokens: [Int32], filling cache: KVCache) throws -> Matrix {
    try logits(for: ForwardRequest([ForwardCanvas(tokens: tokens, cache: cache)]))[0]
  }

  /// A window pass against `cache`.
  func logits(
    for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows = .all
  ) throws -> Matrix {
    try logits(for: windowRequest(tokens, window, cache, rows))[0]
  }

  /// Several canvases' cached passes in one pass.
  func logits(forWindows requests: [ForwardCanvas]) throws -> [Matrix] {
    try logits(for: ForwardRequest(requests))
  }
}

extension TransformerStack {
  /// Raw logits of one whole canvas.
  func logits(for tokens: [Int32], rows: LogitRows = .all) throws -> Matrix {
    try logits(for: ForwardRequest(tokens: tokens, rows: rows))[0]
  }

  /// A raw window pass against `cache`.
  func logits(
    for tokens: [Int32], window: Range<Int>, cache: KVCache, rows: LogitRows = .all
  ) throws -> Matrix {
    try logits(for: windowRequest(tokens, window, cache, rows))[0]
  }
}

/// One canvas's window pass against its cache.
func windowRequest(_ tokens: [Int32], _ window: Range<Int>, _ cache: KVCache, _ rows: LogitRows)
  -> ForwardRequest
{
  ForwardRequest([ForwardCanvas(tokens: tokens, window: window, rows: rows, cache: cache)])
}
