import Foundation
import UnmaskCore

/// One uniform-state step's tempered logits `[C, V]`, read as the reference reads them: per
/// position the float32 softmax, the argmax (the first of equal maxima, as `torch.argmax`), the
/// entropy of `torch.distributions.Categorical(logits=z)` (`-Σ p · (z - logsumexp z)`), and the
/// top-1 minus top-2 probability.
struct UniformRows {
  /// Positions.
  let count: Int
  /// Vocabulary.
  let columns: Int
  /// Softmax of each row, float32, `[C, V]` (at DiffusionGemma's 262k vocabulary, 268 MB for a
  /// canvas of 256: the logits are not kept beside it).
  let probabilities: [Float]
  /// Per position: the argmax token.
  let argmax: [Int32]
  /// Per position: entropy in nats.
  let entropy: [Float]
  /// Per position: top-1 minus top-2 probability.
  let margin: [Float]

  init(_ matrix: Matrix) {
    count = matrix.rows
    columns = matrix.columns
    var probabilities = [Float](repeating: 0, count: matrix.values.count)
    let count = matrix.rows
    var argmax = [Int32](repeating: 0, count: count)
    var entropy = [Float](repeating: 0, count: count)
    var margin = [Float](repeating: 0, count: count)
    let v = columns
    matrix.values.withUnsafeBufferPointer { z in
      probabilities.withUnsafeMutableBufferPointer { p in
        guard let base = z.baseAddress else { return }
        for r in 0..<count {
          let row = base + r * v
          var best = 0
          for j in 1..<v where row[j] > row[best] { best = j }
          let top = row[best]
          var sum = 0.0
          for j in 0..<v { sum += Double(expf(row[j] - top)) }
          let logSum = Float(log(sum)) + top
          let total = Float(sum)
          var h = 0.0
          var first: Float = 0
          var second: Float = 0
          for j in 0..<v {
            let q = expf(row[j] - top) / total
            p[r * v + j] = q
            h -= Double(q * (row[j] - logSum))
            if q > first {
              second = first
              first = q
            } else if q > second {
              second = q
            }
          }
          argmax[r] = Int32(best)
          entropy[r] = Float(h)
          margin[r] = first - second
        }
      }
    }
    self.probabilities = probabilities
    self.argmax = argmax
    self.entropy = entropy
    self.margin = margin
  }

  /// Per position, the probability of `tokens[position]`.
  func probability(of tokens: [Int32]) -> [Float] {
    tokens.enumerated().map { r, token in probabilities[r * columns + Int(token)] }
  }

  /// A token of row `r` by inverse CDF of `u` over `softmax(z / extraTemperature)`, which is
  /// the row's probabilities raised to `1 / extraTemperature` (themselves when it is 1).
  func sample(row r: Int, extraTemperature: Double, uniform u: Double) -> Int32 {
    let v = columns
    var weights = [Double](repeating: 0, count: v)
    for j in 0..<v {
      let p = Double(probabilities[r * v + j])
      weights[j] = extraTemperature == 1 ? p : pow(p, 1 / extraTemperature)
    }
    let total = weights.reduce(0, +)
    var target = u * total
    for j in 0..<v {
      target -= weights[j]
      if target < 0 && weights[j] > 0 { return Int32(j) }
    }
    return Int32(weights.lastIndex { $0 > 0 } ?? 0)
  }
}
