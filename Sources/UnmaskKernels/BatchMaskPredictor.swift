/// A mask predictor that runs several canvases in one forward pass.
///
/// Every canvas must come out exactly as if it ran alone (`logits(for:)`), token for token:
/// canvases are packed one after another and each attends only to its own positions, at its
/// own RoPE positions `0..<T_i` — an attention mask over the padding of a padded batch, without
/// computing the padding (LLaDA's own batch code ignores padding: its issue #90).
public protocol BatchMaskPredictor: MaskPredictor {
  /// Logits `[T_i, V]` for each canvas, in order.
  func logits(forBatch canvases: [[Int32]]) throws -> [Matrix]

  /// Logits of `rows[i]` of canvas i only (`[n_i, V]` for `.positions`, see `LogitRows`), each
  /// equal to those rows of `logits(forBatch:)`.
  func logits(forBatch canvases: [[Int32]], rows: [LogitRows]) throws -> [Matrix]
}

extension BatchMaskPredictor {
  /// Every row computed, then the rows asked for gathered: always correct, never faster
  /// (conformers that can restrict a batched pass implement this themselves).
  public func logits(forBatch canvases: [[Int32]], rows: [LogitRows]) throws -> [Matrix] {
    zip(try logits(forBatch: canvases), rows).map { full, rows in
      rows.positions.map { LogitRows.gather($0, from: full) } ?? full
    }
  }
}
