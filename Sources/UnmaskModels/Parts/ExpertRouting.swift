/// A router's decision for one call: which `topK` experts each row (token) goes to and with
/// what weight. `MixtureOfExperts` computes from it and hands it to its observer, so traces can
/// draw expert load per layer and step.
public struct ExpertRouting: Sendable, Equatable {
  /// Rows routed.
  public let rows: Int
  /// Experts per row.
  public let topK: Int
  /// Experts the router chooses from.
  public let expertCount: Int
  /// `[rows, topK]`: each row's experts, in the order `torch.topk` returns them (best first).
  public let experts: [Int]
  /// `[rows, topK]`: the weight each chosen expert's output is multiplied by.
  public let weights: [Float]

  /// A routing of `rows` rows; `experts` and `weights` hold `rows · topK` entries.
  public init(rows: Int, topK: Int, expertCount: Int, experts: [Int], weights: [Float]) {
    precondition(experts.count == rows * topK && weights.count == rows * topK)
    self.rows = rows
    self.topK = topK
    self.expertCount = expertCount
    self.experts = experts
    self.weights = weights
  }

  /// Tokens each expert receives, `[expertCount]` (an expert's count is 0 when nobody picks it).
  public var load: [Int] {
    var counts = [Int](repeating: 0, count: expertCount)
    for e in experts { counts[e] += 1 }
    return counts
  }

  /// The rows grouped by expert: expert `e`'s entries are `entries[offsets[e]..<offsets[e+1]]`,
  /// in ascending row order, each with the weight that row gives it. `offsets` has
  /// `expertCount + 1` values.
  ///
  /// - Complexity: O(rows · topK + expertCount), a counting sort.
  public func grouped() -> (offsets: [Int], entries: [(row: Int, weight: Float)]) {
    var offsets = [Int](repeating: 0, count: expertCount + 1)
    for e in experts { offsets[e + 1] += 1 }
    for e in 0..<expertCount { offsets[e + 1] += offsets[e] }
    var next = offsets
    var entries = [(row: Int, weight: Float)](repeating: (0, 0), count: experts.count)
    for (i, e) in experts.enumerated() {
      entries[next[e]] = (i / topK, weights[i])
      next[e] += 1
    }
    return (offsets, entries)
  }
}
