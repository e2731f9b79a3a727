import UnmaskCore

/// SDAR's `low_confidence_static` (JetAstra/SDAR `generate.py`): each step commits the block's
/// `num_transfer_tokens[step]` most confident positions, the quota splitting the block's length
/// evenly over its steps (`--preset sdar` runs it on the canvas grid).
///
/// Under `--topk-over block` (the preset's) the top-k runs over the whole block as the
/// reference's does, so a quota above the masks left rewrites committed tokens (`TopKScope`).
/// Stateless but for those rewrites; it takes no parameters.
public struct LowConfidenceStaticRemasking: DescribedStrategy, BlockSelectingStrategy {
  /// Its row of `StrategyRegistry`: it reads the block's rows (rewrites need their argmax).
  public static let descriptor = StrategyDescriptor(
    name: .lowConfidenceStatic,
    summary: "SDAR low_confidence_static: the step's quota of most confident block positions.",
    reads: StrategyReads(logitRows: .block, probabilities: .proposals),
    make: { settings in LowConfidenceStaticRemasking(scope: settings.topKScope) })

  /// Where the top-k is taken.
  public let scope: TopKScope
  /// The rewrites of the current step (`BlockSelectingStrategy`).
  public var pendingRewrites: [TokenEdit] = []

  /// A static strategy taking its top-k over `scope`.
  public init(scope: TopKScope) { self.scope = scope }

  /// `topk(where(mask, x0_p, -inf), num_transfer_tokens[step])` over the block.
  public func select(_ context: StepContext) -> BlockSelection {
    context.blockTopK(context.blockScores { $0.confidence }, k: context.quota, scope: scope)
  }
}

extension StrategyName {
  /// `LowConfidenceStaticRemasking`.
  public static var lowConfidenceStatic: StrategyName { "low-confidence-static" }
}
