import Foundation
import UnmaskCore

/// The toy mask predictor of scripts/fixtures/make_sampler_goldens.py, bit for bit:
/// `logits[i, v] = E[x_i, v] + a[x_{i-1}] * B[v] + d[x_{i+1}] * G[v] + P[i, v] + m * C[v]`
/// in float32 (neighbours cyclic, m = masks in the canvas). All table values are dyadic, so
/// every logit is exact (a power-of-two `scale` keeps it so). With `dreamShift`, row i is the raw row i - 1 (row 0 kept), as Dream.
final class ToyPredictor: MaskPredictor {
  struct Tables: Decodable {
    var vocabulary: Int
    var max_length: Int
    var mask_id: Int
    var E: [[Int]]
    var a: [Int]
    var B: [Int]
    var d: [Int]
    var G: [Int]
    var P: [[Int]]
    var C: [Int]
  }

  let vocabularySize: Int
  let maskID: Int32
  let dreamShift: Bool
  let scale: Float
  private let e: [Float], a: [Float], b: [Float], d: [Float], g: [Float], p: [Float], c: [Float]
  private(set) var calls = 0

  init(tables t: Tables, dreamShift: Bool, scale: Float = 1) {
    self.scale = scale
    vocabularySize = t.vocabulary
    maskID = Int32(t.mask_id)
    self.dreamShift = dreamShift
    e = t.E.flatMap { $0 }.map { Float($0) / 32 }
    a = t.a.map { Float($0) / 32 }
    b = t.B.map { Float($0) / 32 }
    d = t.d.map { Float($0) / 32 }
    g = t.G.map { Float($0) / 32 }
    p = t.P.flatMap { $0 }.map { Float($0) / 32 }
    c = t.C.map { Float($0) / 256 }
  }

  static func load(dreamShift: Bool = false, scale: Float = 1) throws -> ToyPredictor {
    ToyPredictor(
      tables: try Fixtures.load(Tables.self, "toy_model.json"), dreamShift: dreamShift, scale: scale
    )
  }

  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    calls += 1
    let t = tokens.count
    let v = vocabularySize
    let m = Float(tokens.reduce(0) { $0 + ($1 == maskID ? 1 : 0) })
    var raw = Matrix(rows: t, columns: v)
    for i in 0..<t {
      let x = Int(tokens[i])
      let left = Int(tokens[(i - 1 + t) % t])
      let right = Int(tokens[(i + 1) % t])
      for j in 0..<v {
        var value = e[x * v + j] + a[left] * b[j]
        value = value + d[right] * g[j]
        value = value + p[i * v + j]
        value = value + m * c[j]
        if scale != 1 { value = value * scale }
        raw.values[i * v + j] = value
      }
    }
    guard dreamShift, t > 1 else { return raw }
    var shifted = raw
    for i in 1..<t {
      for j in 0..<v { shifted.values[i * v + j] = raw.values[(i - 1) * v + j] }
    }
    return shifted
  }
}

/// A predictor whose every row is the same fixed logits, for distribution checks.
final class FixedPredictor: MaskPredictor {
  let row: [Float]
  var vocabularySize: Int { row.count }
  init(row: [Float]) { self.row = row }
  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    Matrix(
      rows: tokens.count, columns: row.count,
      values: Array((0..<tokens.count).map { _ in row }.joined()))
  }
}
