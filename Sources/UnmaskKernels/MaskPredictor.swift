/// Anything that maps a token canvas to logits: the only view of a model the sampler has.
///
/// LLaDA's reference code calls its model the "mask predictor"; Dream's model is one too once
/// its logits are shifted, which conformers do themselves so that callers never have to know.
public protocol MaskPredictor: AnyObject {
  /// Number of logits per position (`V`).
  var vocabularySize: Int { get }

  /// Logits `[T, V]` for a canvas of `T` tokens; row `i` is the prediction for position `i`.
  ///
  /// - Throws: when a token is outside `0..<vocabularySize` or the canvas is empty.
  func logits(for tokens: [Int32]) throws -> Matrix

  /// The rows `rows` of `logits(for:)`, bit for bit: `[T, V]` for `.all`, `[n, V]` for
  /// `.positions` (see `LogitRows`). The default computes every row and gathers them.
  func logits(for tokens: [Int32], rows: LogitRows) throws -> Matrix
}
