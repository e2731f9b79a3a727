/// A mask predictor that runs several canvases in one forward pass.
///
/// Every canvas must come out exactly as if it ran alone (`logits(for:)`), token for token:
/// canvases are packed one after another and each attends only to its own positions, at its
/// own RoPE positions `0..<T_i` — an attention mask over the padding of a padded batch, without
/// computing the padding (LLaDA's own batch code ignores padding: its issue #90).
public protocol BatchMaskPredictor: MaskPredictor {
  /// Logits `[T_i, V]` for each canvas, in order.
  func logits(forBatch canvases: [[Int32]]) throws -> [Matrix]
}
