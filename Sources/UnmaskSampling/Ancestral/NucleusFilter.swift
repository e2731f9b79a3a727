/// Nucleus (top-p) filtering of one probability row as ReMDM and BD3-LM do it (they differ in
/// precision):
///
///     sorted, index = sort(p, descending)
///     keep = cumsum(sorted) <= top_p;  keep[0] = true
///     p' = scatter(sorted * keep) / sum(...)
///
/// kuleshov-group/remdm `_ddpm_caching_update` on float32 probabilities (torch's CPU `cumsum`
/// accumulates in float64, then rounds each partial sum to float32; `top_p` is compared as a
/// float32); kuleshov-group/bd3lms `_nucleus_sample` on float64 ones. Note that the cut keeps the
/// tokens whose cumulative mass stays within `top_p`, not the smallest set that reaches it.
/// Ties sort by token id (torch's CPU sort is stable).
enum NucleusFilter {
  /// `p` filtered to `topP` in `precision` (`p` holds values of that precision).
  static func filter(_ p: [Double], topP: Double, precision: UniformPrecision) -> [Double] {
    let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
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
      guard inside || rank == 0 else { continue }
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
}
