import UnmaskCore

/// Fast-dLLM's factor rule: with candidates sorted by confidence `c_1 >= c_2 >= ...`, commit
/// the first n where `c_i >= 1 - factor / (i + 1)` holds for i = 2...n (always at least one).
///
/// Mirrors `get_transfer_index_dynamic` in NVlabs/Fast-dLLM llada/generate.py, including its
/// quirk: when the first failing rank is the last candidate (or none fails) every candidate is
/// committed. The block runs until it has no mask left.
///
/// Stateless, it is its own parameter struct.
public struct FactorRemasking: DescribedStrategy, PluginParameters {
  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .factor,
    summary:
      "Fast-dLLM's factor rule: commit the n best while the n-th confidence >= 1 - factor/(n+1).",
    parameters: [
      .number(
        "factor", \FactorRemasking.factor, in: .above(0),
        help: "f of the rule: commit n while the n-th confidence >= 1 - f/(n+1)")
    ],
    reads: .candidateProposals, make: { p, _ in p })

  /// The factor `f` in `1 - f / (n + 1)`.
  public var factor: Double
  /// A factor strategy.
  public init(factor: Double) { self.factor = factor }
  /// The default factor, 1.
  public init() { self.init(factor: 1) }
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

extension StrategyName {
  /// `FactorRemasking`.
  public static var factor: StrategyName { "factor" }
}

extension Strategy {
  /// `FactorRemasking` with `factor`.
  public static func factor(_ factor: Double) -> Strategy {
    Strategy(FactorRemasking.descriptor, FactorRemasking(factor: factor))
  }
}
