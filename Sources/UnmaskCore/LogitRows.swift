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
  /// Every row `0..<T`: logits `[T, V]`.
  case all
  /// Only these positions (ascending, distinct, each in `0..<T`): logits `[n, V]`, row `j` the
  /// prediction for position `positions[j]`. No `[T, V]` matrix is made, so the rows not read
  /// cost neither time nor memory.
  case positions([Int])

  /// The positions asked for, or nil for every row.
  public var positions: [Int]? {
    guard case .positions(let positions) = self else { return nil }
    return positions
  }

  /// Traps unless `positions` ascend, are distinct and lie in `range` (a pass's rows: asking
  /// for others is a sampler bug, not bad input).
  public static func checkPositions(_ positions: [Int], in range: Range<Int>) {
    precondition(
      zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 }
        && positions.allSatisfy(range.contains),
      "logit rows must be ascending, distinct positions of \(range)")
  }

  /// Rows `positions` of `full` (`[T, V]`), in order: `[n, V]`.
  public static func gather(_ positions: [Int], from full: Matrix) -> Matrix {
    let v = full.columns
    var values: [Float] = []
    values.reserveCapacity(positions.count * v)
    for position in positions {
      values.append(contentsOf: full.values[(position * v)..<((position + 1) * v)])
    }
    return Matrix(rows: positions.count, columns: v, values: values)
  }
}
