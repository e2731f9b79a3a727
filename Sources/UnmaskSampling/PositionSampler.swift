import Foundation

/// Dream's `alg_temp` position sampling: `multinomial(softmax(score / alg_temp), k)` without
/// replacement. Positions scored `-inf` have probability 0 and are never drawn.
enum PositionSampler {
  /// `k` distinct positions drawn one after another in proportion to `exp(score / temperature)`.
  static func sample(_ row: [Double], k: Int, temperature: Double, rng: inout SeededGenerator)
    -> [Int]
  {
    let finite = row.filter { $0.isFinite }
    guard let m = finite.max() else { return [] }
    var weights = row.map { $0.isFinite ? exp(($0 - m) / temperature) : 0 }
    var picked: [Int] = []
    for _ in 0..<k {
      let total = weights.reduce(0, +)
      guard total > 0 else { break }
      let u = rng.nextUniform() * total
      var cumulative = 0.0
      var choice = weights.lastIndex(where: { $0 > 0 }) ?? 0
      for (i, w) in weights.enumerated() where w > 0 {
        cumulative += w
        if u < cumulative {
          choice = i
          break
        }
      }
      picked.append(choice)
      weights[choice] = 0
    }
    return picked
  }
}
