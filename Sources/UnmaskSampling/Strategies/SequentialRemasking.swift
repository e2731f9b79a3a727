import UnmaskCore

/// SDAR's `sequential` (JetAstra/SDAR `generate.py`): each step commits the step's quota of
/// positions from the block's first mask on, left to right: autoregressive order inside the
/// block, at the quota's pace.
///
/// The reference takes the contiguous span `first_mask : first_mask + quota`, committed
/// positions included, and rewrites those with the model's prediction (`--topk-over block`,
/// the preset's); with `--topk-over masks` the span skips committed positions instead.
public struct SequentialRemasking: DescribedStrategy, BlockSelectingStrategy {
  /// Its row of `StrategyRegistry`: it reads the block's rows (rewrites need their argmax).
  public static let descriptor = StrategyDescriptor(
    name: .sequential,
    summary: "SDAR sequential: the step's quota of positions from the block's first mask on.",
    reads: StrategyReads(logitRows: .block, probabilities: .none),
    make: { settings in SequentialRemasking(scope: settings.topKScope) })

  /// Whether the span counts committed positions.
  public let scope: TopKScope
  /// The rewrites of the current step (`BlockSelectingStrategy`).
  public var pendingRewrites: [TokenEdit] = []

  /// A sequential strategy over `scope`.
  public init(scope: TopKScope) { self.scope = scope }

  /// `transfer_index[first_mask : first_mask + quota] = True`.
  public func select(_ context: StepContext) -> BlockSelection {
    let scores = context.blockScores { $0.confidence }
    guard let first = scores.firstIndex(where: { $0 > -.infinity }) else {
      return BlockSelection()
    }
    let offsets: [Int]
    switch scope {
    case .block:
      offsets = Array(first..<min(first + context.quota, scores.count))
    case .masks:
      offsets = Array(scores.indices.filter { scores[$0] > -.infinity }.prefix(context.quota))
    }
    return context.selection(offsets: offsets, scores: scores)
  }
}

extension StrategyName {
  /// `SequentialRemasking`.
  public static var sequential: StrategyName { "sequential" }
}
