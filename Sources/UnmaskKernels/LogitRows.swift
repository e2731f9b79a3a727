/// Which rows of a forward pass's logits the caller will read.
///
/// A sampler step reads only the rows of the positions it may commit (masked positions up to
/// the block's end): LLaDA's `confidence = where(mask_index, x0_p, -inf)` makes every other row
/// irrelevant. A forward pass told so can skip the last block's queries, attention, output
/// projection, MLP and the output head for every other row (every layer still computes keys and
/// values for all rows, and every block but the last computes everything), which on a 160-token
/// canvas with one 32-token block removes about 15% of the FLOPs of a pass, and changes nothing in
/// the rows it computes: the same kernels sum each row in the same order.
public enum LogitRows: Sendable, Equatable {
  /// Every row `0..<T`.
  case all
  /// Only these positions (ascending, distinct, each in `0..<T`); the other rows of the result
  /// are NaN, so that reading one by mistake shows up rather than passing for a prediction.
  case positions([Int])

  /// The positions to compute for a canvas of `count` rows, or nil when that is every row.
  public func restricted(to count: Int) -> [Int]? {
    guard case .positions(let positions) = self, positions.count < count else { return nil }
    return positions
  }
}

extension MaskPredictor {
  /// Logits `[T, V]` of which only `rows` are guaranteed; conformers that cannot restrict a pass
  /// compute every row (this default), which is always correct.
  public func logits(for tokens: [Int32], rows: LogitRows) throws -> Matrix {
    try logits(for: tokens)
  }
}
