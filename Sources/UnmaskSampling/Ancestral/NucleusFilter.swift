/// Nucleus (top-p) filtering of one probability row as ReMDM and BD3-LM do it (they differ in
/// precision):
///
///     sorted, index = sort(p, descending)
///     keep = cumsum(sorted) <= top_p;  keep[0] = true
///     p' = scatter(sorted * keep) / sum(...)
///
/// kuleshov-group/remdm `_ddpm_caching_update` on float32 probabilities (torch's CPU `cumsum`
/// accumulates in float64, then rounds each partial sum to float32; `top_p` is compared as a
/// float32); kuleshov-group/bd3lms `_nucleus_sample` on float64 ones. The cut keeps the tokens
/// whose cumulative mass stays within `top_p`, not the smallest set that reaches it. torch's CPU
/// sort leaves ties in no particular order; here they go by token id, so a cut through tied
/// probabilities (random logits give none) could keep other tokens than the reference.
///
/// - Complexity: O(V) to find the candidates (a histogram over the probabilities' float32 bit
///   patterns, which order positive floats), then a sort of the candidates only: the tokens
///   above the cut and the bucket it falls in, not the vocabulary (50258 on GPT-2).
enum NucleusFilter {
  /// `p` filtered to `topP` in `precision` (`p` holds values of that precision).
  static func filter(_ p: [Double], topP: Double, precision: UniformPrecision) -> [Double] {
    let order = candidates(p, topP: topP)
      .sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
    var kept = [Double](repeating: 0, count: p.count)
    var cumulative = 0.0
    var total = 0.0
    var totalFloat: Float = 0
    for (rank, j) in order.enumerated() {
      cumulative += p[j]
      let inside: Bool
      switch precision {
      case .float32: inside = Float(cumulative) <= Float(topP)
      case .float64: inside = cumulative <= topP
      }
      guard inside || rank == 0 else { break }  // cumsum only grows
      kept[j] = p[j]
      total += p[j]
      totalFloat += Float(p[j])
    }
    for j in kept.indices where kept[j] != 0 {
      switch precision {
      case .float32: kept[j] = Double(Float(kept[j]) / totalFloat)
      case .float64: kept[j] = kept[j] / total
      }
    }
    return kept
  }

  /// Every token at least as probable as the one whose cumulative mass, in descending order,
  /// first exceeds `topP` (with a margin for rounding), in no order: a superset of the kept set
  /// closed under "more probable".
  static func candidates(_ p: [Double], topP: Double) -> [Int] {
    // The top 16 bits of a positive float's pattern grow with it: 0x3F80 is 1.0.
    func bucket(_ x: Double) -> Int { Int(Float(x).bitPattern >> 16) }
    var mass = [Double](repeating: 0, count: 0x3F81)
    for x in p where x > 0 { mass[min(bucket(x), 0x3F80)] += x }
    var cut = 0
    var above = 0.0
    for b in stride(from: 0x3F80, through: 0, by: -1) {
      above += mass[b]
      if above > topP + 1e-6 {
        cut = b
        break
      }
    }
    var out: [Int] = []
    for (j, x) in p.enumerated() where x > 0 && min(bucket(x), 0x3F80) >= cut { out.append(j) }
    return out.isEmpty ? Array(p.indices) : out
  }
}
