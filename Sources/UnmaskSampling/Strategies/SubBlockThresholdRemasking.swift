import UnmaskCore

/// Fast-dLLM v2's parallel decoding (NVlabs/Fast-dLLM `v2/generation_functions.py`,
/// `batch_sample`): a block is decoded sub-block by sub-block, left to right; each pass commits,
/// in the first sub-block that still has a mask, every mask whose probability is above
/// `threshold` and always the most probable one (`unmask_idx = x1_p > threshold`, then
/// `unmask_idx[argmax(x1_p)] = True`; float32, first index on ties).
///
/// A block whose first position is a mask starts with the next token alone: the argmax that
/// the reference appends from the previous block's final pass (`next_token =
/// logits[:, -1:].argmax()`, greedy at every temperature), which the shifted logits give at
/// that position. The block runs until it has no mask.
public struct SubBlockThresholdRemasking: DescribedStrategy {
  /// Its parameters (`v2/eval.py`'s defaults).
  public struct Parameters: PluginParameters {
    /// Commit every mask of the sub-block above this probability (and the best one).
    public var threshold: Double = 0.9
    /// `small_block_size`: the sub-block length.
    public var subBlockLength: Int = 8
    /// eval.py's defaults.
    public init() {}
    /// Both given.
    public init(threshold: Double, subBlockLength: Int) {
      self.threshold = threshold
      self.subBlockLength = subBlockLength
    }
  }

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .subBlockThreshold,
    summary:
      "Fast-dLLM v2: sub-blocks in order; each pass commits the sub-block's masks above the threshold and its best.",
    parameters: [
      .number(
        "threshold", \Parameters.threshold, in: .closed(0, 1),
        help: "commit every mask of the sub-block whose probability is above it"),
      .integer(
        "sub_block_length", \Parameters.subBlockLength, in: 1...4096,
        help: "small_block_size: sub-blocks decoded in order inside each block"),
    ],
    reads: .candidateProposals,
    validate: { p, settings in
      // batch_sample decodes `block_size // small_block_size` sub-blocks; the rest of a block
      // would stay masked and its loop would never end.
      if settings.blockLength % p.subBlockLength != 0 {
        throw SamplingError.invalidSetting(
          field: "sub-block-length",
          message:
            "\(p.subBlockLength) does not divide block-length \(settings.blockLength): Fast-dLLM v2 decodes whole sub-blocks"
        )
      }
    },
    make: { p, _ in SubBlockThresholdRemasking(parameters: p) })

  /// The parameters.
  public let parameters: Parameters

  /// A sub-block threshold strategy.
  public init(parameters: Parameters) { self.parameters = parameters }

  /// Runs until the block is complete.
  public var runsUntilBlockComplete: Bool { true }

  /// The next token at a block's masked first position; else the first sub-block with masks.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let start = context.blockRange.lowerBound
    if context.stepInBlock == 0, let next = context.proposals.first(where: { $0.position == start })
    {
      var chosen = ScoredPosition(position: start, score: next.confidence)
      // `logits[:, -1:].argmax()`: greedy at every temperature (the proposal is sampled above
      // temperature 0); the first of equal maxima, as torch.
      if context.settings.temperature > 0, let logits = context.logits,
        let row = context.logitRow(for: start)
      {
        var best = 0
        for j in 1..<logits.columns where logits[row, j] > logits[row, best] { best = j }
        chosen.token = Int32(best)
      }
      return [chosen]
    }
    // Masks before the block (an infilled prompt's) count as its first sub-block's.
    guard let first = context.proposals.first else { return [] }
    let sub = parameters.subBlockLength
    let subStart = start + max(0, first.position - start) / sub * sub
    let candidates = context.proposals.filter { $0.position < subStart + sub }
    // `x1_p.argmax()`: the first of the most probable; float32 as the reference compares.
    var best = candidates[0]
    for p in candidates.dropFirst() where Float(p.confidence) > Float(best.confidence) { best = p }
    let threshold = Float(parameters.threshold)
    return candidates.filter { $0.position == best.position || Float($0.confidence) > threshold }
      .map { ScoredPosition(position: $0.position, score: $0.confidence) }
  }
}

extension StrategyName {
  /// `SubBlockThresholdRemasking`.
  public static var subBlockThreshold: StrategyName { "sub-block-threshold" }
}

extension Strategy {
  /// `SubBlockThresholdRemasking` with `parameters`.
  public static func subBlockThreshold(_ parameters: SubBlockThresholdRemasking.Parameters)
    -> Strategy
  {
    Strategy(SubBlockThresholdRemasking.descriptor, parameters)
  }
}
