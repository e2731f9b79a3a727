import UnmaskCore

/// EB-sampler (Ben-Hamu et al., "Accelerated Sampling from Masked Diffusion Models via Entropy
/// Bounded Unmasking", 2025): rank candidates by entropy (lowest first) and commit the longest
/// prefix U whose entropies satisfy `sum_{i in U} H_i - max_{i in U} H_i <= gamma`; at least one.
///
/// `gamma = 0` commits one token per step (plain confidence-ordered decoding); larger gamma
/// trades accuracy for fewer steps. The block runs until it has no mask left.
///
/// Stateless, it is its own parameter struct.
public struct EntropyBoundedRemasking: DescribedStrategy, PluginParameters {
  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .entropyBounded,
    summary:
      "EB-sampler: commit lowest-entropy positions while their summed entropy stays <= gamma.",
    parameters: [
      .number(
        "entropy_bound", \EntropyBoundedRemasking.gamma, in: .atLeast(0),
        help: "EB-sampler entropy bound gamma (nats)")
    ],
    reads: .candidateProposals, make: { p, _ in p })

  /// The entropy budget gamma (nats).
  public var gamma: Double
  /// An EB-sampler with bound `gamma`.
  public init(gamma: Double) { self.gamma = gamma }
  /// The default bound, 0.1.
  public init() { self.init(gamma: 0.1) }
  /// Runs until the block is complete.
  public var runsUntilBlockComplete: Bool { true }
  /// The longest low-entropy prefix within the bound.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let row = context.scoreRow { $0.negativeEntropy }
    let ranked = TorchTopK.indices(of: row, k: context.proposals.count)
    var chosen: [ScoredPosition] = []
    var sum = 0.0
    var largest = 0.0
    for position in ranked {
      let h = max(0, -row[position])
      let newSum = sum + h
      let newLargest = max(largest, h)
      if !chosen.isEmpty && newSum - newLargest > gamma { break }
      sum = newSum
      largest = newLargest
      chosen.append(ScoredPosition(position: position, score: row[position]))
    }
    return chosen
  }
}

extension StrategyName {
  /// `EntropyBoundedRemasking`.
  public static var entropyBounded: StrategyName { "entropy-bounded" }
}

extension Strategy {
  /// `EntropyBoundedRemasking` with bound `gamma`.
  public static func entropyBounded(gamma: Double) -> Strategy {
    Strategy(EntropyBoundedRemasking.descriptor, EntropyBoundedRemasking(gamma: gamma))
  }
}
