/// A whole trace in memory, as figures need it: run.json, one summary per step (commits and
/// remasks, no per-position arrays) and the dense `[steps, positions]` matrices.
public struct Trace: Sendable {
  /// run.json.
  public var run: TraceRunFile
  /// trace.jsonl records with their per-position arrays dropped (`TraceStepRecord.summary`).
  public var steps: [TraceStepRecord]
  /// state.npy: commit step, or a `CellState` code.
  public var state: NPYMatrix<Int32>
  /// confidence.npy: NaN where the position was not masked when the step began.
  public var confidence: NPYMatrix<Float>
  /// entropy.npy, in nats, NaN like confidence.
  public var entropy: NPYMatrix<Float>

  /// Bundles the parts; the reader and recorder check that shapes agree.
  public init(
    run: TraceRunFile, steps: [TraceStepRecord], state: NPYMatrix<Int32>,
    confidence: NPYMatrix<Float>, entropy: NPYMatrix<Float>
  ) {
    self.run = run
    self.steps = steps
    self.state = state
    self.confidence = confidence
    self.entropy = entropy
  }

  /// Number of prompt positions.
  public var promptLength: Int { run.promptIds.count }
  /// Number of steps (rows).
  public var stepCount: Int { state.rows }
  /// Number of canvas positions (columns).
  public var positionCount: Int { state.columns }

  /// Canvas positions covered by `block` (union of the block ranges of its steps).
  public func positions(ofBlock block: Int) -> Range<Int>? {
    let ranges = steps.filter { $0.block == block }.map { $0.blockStart..<$0.blockEnd }
    guard let lower = ranges.map(\.lowerBound).min(), let upper = ranges.map(\.upperBound).max()
    else { return nil }
    return lower..<upper
  }

  /// Steps belonging to `block`, as a range of rows.
  public func stepRange(ofBlock block: Int) -> Range<Int>? {
    let rows = steps.filter { $0.block == block }.map(\.step)
    guard let first = rows.min(), let last = rows.max() else { return nil }
    return first..<(last + 1)
  }

  /// Token text of every token ever placed at each position (prompt, commits, remasks), for
  /// sizing token boxes so no later token overflows its box.
  func longestText() -> [String] {
    var longest = [String](repeating: "", count: positionCount)
    for (i, text) in run.promptText.enumerated() where i < positionCount { longest[i] = text }
    for step in steps {
      for token in step.committed
      where token.pos < positionCount && token.text.count > longest[token.pos].count {
        longest[token.pos] = token.text
      }
    }
    return longest
  }
}
