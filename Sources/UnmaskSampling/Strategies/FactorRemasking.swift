import UnmaskCore

/// Fast-dLLM's factor rule: with candidates sorted by confidence `c_1 >= c_2 >= ...`, commit
/// the first n where `c_i >= 1 - factor / (i + 1)` holds for i = 2...n (always at least one).
///
/// Mirrors `get_transfer_index_dynamic` in NVlabs/Fast-dLLM llada/generate.py, including its
/// quirk: when the first failing rank is the last candidate (or none fails) every candidate is
/// committed. The block runs until it has no mask left.
public struct FactorRemasking: RemaskingStrategy {
  /// The factor `f` in `1 - f / (n + 1)`.
  public var factor: Double
  /// A factor strategy.
  public init(factor: Double) { self.factor = factor }
  /// `.factor`.
  public var name: StrategyName { .factor }
  /// Reads only its candidates' proposals: the pass computes only their logit rows.
  public var readsLogitRows: LogitRowUse { .candidates }
  /// Runs until the block is complete.
  public var runsUntilBlockComplete: Bool { true }
  /// `topk(confidence, top_i)` with `top_i` from the reference's loop.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let n = context.proposals.count
    guard n > 0 else { return [] }
    let sorted = context.proposals.map(\.confidence).sorted(by: >)
    var topI = 0
    for i in 0..<n {
      topI = i
      let threshold = i == 0 ? -1 : 1 - factor / Double(i + 2)
      if sorted[i] < threshold { break }
    }
    if topI == 0 || topI == n - 1 { topI += 1 }
    let row = context.scoreRow { $0.confidence }
    return TorchTopK.indices(of: row, k: topI).map { ScoredPosition(position: $0, score: row[$0]) }
  }
}
