import UnmaskCore

/// The threshold rule of block diffusion: SDAR's `low_confidence_dynamic` (JetAstra/SDAR
/// `generate.py`) and LLaDA2's `generate()` (inclusionAI, dllm `modeling_llada2_moe.py`).
///
/// Each step, every mask of the block whose confidence is above `threshold` is committed when
/// there are at least the step's quota of them (`num_transfer_tokens[step]`, the block's length
/// split evenly over its steps); otherwise the quota's most confident ones. The comparison is
/// the references' float32 `confidence > threshold`. LLaDA2 clamps the quota to the masks left
/// (`--topk-over masks`); SDAR takes its top-k over the whole block (`--topk-over block`, see
/// `TopKScope`).
public struct LowConfidenceDynamicRemasking: DescribedStrategy, BlockSelectingStrategy {
  /// Its parameter (SDAR's default; `--preset llada2` sets 0.95).
  public struct Parameters: PluginParameters {
    /// Commit every mask above this confidence when there are enough of them.
    public var threshold: Double = 0.85
    /// SDAR's default threshold.
    public init() {}
    /// The threshold given.
    public init(threshold: Double) { self.threshold = threshold }
  }

  /// Its row of `StrategyRegistry`: it reads the block's rows (rewrites need their argmax).
  public static let descriptor = StrategyDescriptor(
    name: .lowConfidenceDynamic,
    summary:
      "SDAR low_confidence_dynamic, LLaDA2: every mask above the threshold if at least the quota, else the quota's best.",
    parameters: [
      .number(
        "threshold", \Parameters.threshold, in: .closed(0, 1),
        help: "commit every mask whose confidence is above it, when at least the step's quota are")
    ],
    reads: StrategyReads(logitRows: .block, probabilities: .proposals),
    make: { p, settings in
      LowConfidenceDynamicRemasking(threshold: p.threshold, scope: settings.topKScope)
    })

  /// Commit every mask above this confidence when there are enough of them.
  public let threshold: Double
  /// Where the fallback's top-k is taken.
  public let scope: TopKScope
  /// The rewrites of the current step (`BlockSelectingStrategy`).
  public var pendingRewrites: [TokenEdit] = []

  /// A dynamic strategy.
  public init(threshold: Double, scope: TopKScope) {
    self.threshold = threshold
    self.scope = scope
  }

  /// `high = confidence > threshold`; all of `high` if `high.sum() >= quota`, else the top-k.
  public func select(_ context: StepContext) -> BlockSelection {
    let scores = context.blockScores { $0.confidence }
    // float32 as the references compare: `confidence[0] > threshold` on a float32 tensor.
    let threshold = Float(self.threshold)
    let high = scores.indices.filter { scores[$0] > -.infinity && Float(scores[$0]) > threshold }
    return high.count >= context.quota
      ? context.selection(offsets: high, scores: scores)
      : context.blockTopK(scores, k: context.quota, scope: scope)
  }
}

extension StrategyName {
  /// `LowConfidenceDynamicRemasking`.
  public static var lowConfidenceDynamic: StrategyName { "low-confidence-dynamic" }
}

extension Strategy {
  /// `LowConfidenceDynamicRemasking` with `threshold`.
  public static func lowConfidenceDynamic(_ threshold: Double) -> Strategy {
    Strategy(
      LowConfidenceDynamicRemasking.descriptor,
      LowConfidenceDynamicRemasking.Parameters(threshold: threshold))
  }
}
