import UnmaskCore

/// SDAR's `sequential` (JetAstra/SDAR `generate.py`): each step commits the step's quota of
/// positions from the block's first mask on, left to right: autoregressive order inside the
/// block, at the quota's pace.
///
/// The reference takes the contiguous span `first_mask : first_mask + quota`, committed
/// positions included, and rewrites those with the model's prediction (`--topk-over block`,
/// the preset's); with `--topk-over masks` the span skips committed positions instead.
public struct SequentialRemasking: DescribedStrategy {
  /// Its row of `StrategyRegistry`: it reads the block's rows (rewrites need their argmax).
  public static let descriptor = StrategyDescriptor(
    name: .sequential,
    summary: "SDAR sequential: the step's quota of positions from the block's first mask on.",
    reads: StrategyReads(logitRows: .block, probabilities: .none),
    make: { settings in SequentialRemasking(scope: settings.topKScope) })

  /// Whether the span counts committed positions.
  public let scope: TopKScope
  private var rewrites: [TokenEdit] = []

  /// A sequential strategy over `scope`.
  public init(scope: TopKScope) { self.scope = scope }

  /// Rewrites fixed tokens where the reference does (`TopKScope.block`).
  public var rewritesFixedTokens: Bool { scope == .block }

  /// `transfer_index[first_mask : first_mask + quota] = True`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let scores = context.blockScores { $0.confidence }
    guard let first = scores.firstIndex(where: { $0 > -.infinity }) else { return [] }
    let offsets: [Int]
    switch scope {
    case .block:
      offsets = Array(first..<min(first + context.quota, scores.count))
    case .masks:
      offsets = Array(scores.indices.filter { scores[$0] > -.infinity }.prefix(context.quota))
    }
    let choice = context.selection(offsets: offsets, scores: scores)
    rewrites = choice.rewrites
    return choice.commits
  }

  /// The committed positions the span covered.
  public mutating func selectEdits(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [TokenEdit] { rewrites }
}

extension StrategyName {
  /// `SequentialRemasking`.
  public static var sequential: StrategyName { "sequential" }
}
