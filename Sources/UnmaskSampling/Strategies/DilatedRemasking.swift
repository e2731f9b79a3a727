import UnmaskCore

/// DUS, the dilated unmasking schedule (Luxembourg et al. 2025, "Plan for Speed: Dilated
/// Scheduling for Masked Diffusion Language Models"; omerlux/DUS): a block is unmasked in a
/// planned coarse-to-fine order, non-adjacent positions first, so that tokens decoded together
/// are far apart (nearly independent) and a block of B takes about `log_base(B)` model calls.
///
/// Levels over the block `[s, e]` (`dilated_unmask_levels`, then `merge_last_level`):
/// `stride = B / base^skip`; while `stride >= 1`, the positions `i` with `(i - s) % stride == 0`
/// not yet listed form a level and `stride /= base` (integer division); positions never listed
/// form a last level, and a last level smaller than the one before joins it. Step `k` of the
/// block commits the masks of level `k` with the model's argmax (the proposer's token); the
/// block takes as many steps as it has levels, whatever `--steps` says.
///
/// Mirrors `generate_scheduled(scheduler="dilated", remasking="none")` in generate.py at
/// abd7723fd0fd39a2881ddaa8f96ddab2ad3c44a0. Not mirrored: its `remasking="low_confidence"`
/// variant, which masks low-confidence tokens of a level again and never revisits them (the run
/// ends with masks). Infilling: a level with no mask left is skipped (no model call), and masks
/// outside the block (prompt or suffix masks) are committed with the block's last level.
public struct DilatedRemasking: DescribedStrategy {
  /// DUS's parameters.
  public struct Parameters: PluginParameters {
    /// Dilation base (the stride divides by it each level), >= 2; the paper's default 2.
    public var base: Int = 2
    /// Exponent of the first stride `B / base^skip`, >= 1.
    public var skip: Int = 1
    /// The reference defaults.
    public init() {}
    /// Parameters with both fields given.
    public init(base: Int, skip: Int) {
      self.base = base
      self.skip = skip
    }
  }

  /// Its row of `StrategyRegistry`.
  public static let descriptor = StrategyDescriptor(
    name: .dus,
    summary: "DUS: a planned coarse-to-fine (dilated) order, about log(B) steps per block.",
    parameters: [
      .integer("dus_base", \Parameters.base, in: 2...64, help: "DUS dilation base"),
      .integer(
        "dus_skip", \Parameters.skip, in: 1...16,
        help: "DUS exponent of the first stride B / base^skip"),
    ],
    reads: StrategyReads(logitRows: .candidates, probabilities: .none),
    make: { p, _ in DilatedRemasking(parameters: p) })

  /// The parameters.
  public var parameters: Parameters
  private var levels: [[Int]] = []
  private var nextLevel = 0

  /// A DUS strategy.
  public init(parameters: Parameters) { self.parameters = parameters }

  /// The block runs its levels, not the schedule's steps.
  public var runsUntilBlockComplete: Bool { true }

  /// The masks of the next level that still has one (all masks left after the last level).
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    if context.stepInBlock == 0 {
      levels = Self.levels(block: context.blockRange, base: parameters.base, skip: parameters.skip)
      nextLevel = 0
    }
    let candidates = Set(context.proposals.map(\.position))
    while nextLevel < levels.count {
      let level = levels[nextLevel].filter { candidates.contains($0) }
      nextLevel += 1
      let isLast = nextLevel == levels.count
      let chosen = isLast ? candidates.sorted() : level
      if !chosen.isEmpty {
        let confidence = Dictionary(
          uniqueKeysWithValues: context.proposals.map { ($0.position, $0.confidence) })
        return chosen.map { ScoredPosition(position: $0, score: confidence[$0] ?? 0) }
      }
    }
    // Past the last level (only when masks remain outside every level): commit them all.
    return context.proposals.map { ScoredPosition(position: $0.position, score: $0.confidence) }
  }

  /// `merge_last_level(dilated_unmask_levels(start, end, base, skip))` over `block`.
  public static func levels(block: Range<Int>, base: Int, skip: Int) -> [[Int]] {
    guard !block.isEmpty else { return [] }
    var power = 1
    for _ in 0..<skip { power = power > block.count ? power : power * base }
    var stride = block.count / power
    var revealed = Set<Int>()
    var levels: [[Int]] = []
    while stride >= 1 {
      let level = block.filter { ($0 - block.lowerBound) % stride == 0 && !revealed.contains($0) }
      if !level.isEmpty {
        levels.append(level)
        revealed.formUnion(level)
      }
      stride /= base
    }
    let rest = block.filter { !revealed.contains($0) }
    if !rest.isEmpty { levels.append(rest) }
    if levels.count >= 2, levels[levels.count - 1].count < levels[levels.count - 2].count {
      let last = levels.removeLast()
      levels[levels.count - 1].append(contentsOf: last)
    }
    return levels
  }
}

extension StrategyName {
  /// `DilatedRemasking`.
  public static var dus: StrategyName { "dus" }
}

extension Strategy {
  /// `DilatedRemasking` with `parameters`.
  public static func dus(_ parameters: DilatedRemasking.Parameters) -> Strategy {
    Strategy(DilatedRemasking.descriptor, parameters)
  }
}
