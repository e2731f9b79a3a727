import Foundation
import UnmaskCore

/// The toy attention predictor of scripts/fixtures/make_infill_sampler_goldens.py (WINO goldens), bit
/// for bit: `logits[q, v] = E[x_q, v] + sum_k A[x_k, v] * w[k - q + 63]` over every position k
/// (full attention, position ids 0..<T), with `A[mask] = 0`. Tables are dyadic (E, A in 1/32,
/// w in 1/4) and small, so every sum is exact in float32 whatever the order.
final class AttentionToyPredictor: MaskPredictor {
  struct Tables: Decodable {
    var E: [[Int]]
    var A: [[Int]]
    var w: [Int]
  }

  let vocabularySize: Int
  private let e: [Float], a: [Float], w: [Float]

  init(tables: Tables) {
    vocabularySize = tables.E.count
    e = tables.E.flatMap { $0 }.map { Float($0) / 32 }
    a = tables.A.flatMap { $0 }.map { Float($0) / 32 }
    w = tables.w.map { Float($0) / 4 }
  }

  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    let t = tokens.count
    let v = vocabularySize
    var m = Matrix(rows: t, columns: v)
    for q in 0..<t {
      let xq = Int(tokens[q])
      for j in 0..<v { m.values[q * v + j] = e[xq * v + j] }
      for k in 0..<t {
        let weight = w[k - q + 63]
        let xk = Int(tokens[k])
        for j in 0..<v { m.values[q * v + j] += a[xk * v + j] * weight }
      }
    }
    return m
  }
}
