import Foundation

/// The arithmetic a reference does its transition in: the precision of `q(x_s | x_t)`'s
/// weights and of its uniform draws.
struct AncestralNumerics: Equatable {
  /// Weights in float32 (MDLM, ReMDM: float32 probabilities times float32 coefficients) or
  /// float64 (BD3-LM's float64 probabilities).
  var weights: UniformPrecision
  /// The uniforms' precision; the Gumbel noise is computed in it (MDLM float32; ReMDM casts
  /// `q` to float64 first; BD3-LM float64).
  var draws: UniformPrecision

  /// kuleshov-group/mdlm `_sample_categorical`.
  static let mdlm = AncestralNumerics(weights: .float32, draws: .float32)
  /// kuleshov-group/remdm `_sample_categorical` (`categorical_probs.to(torch.float64)`).
  static let remdm = AncestralNumerics(weights: .float32, draws: .float64)
  /// kuleshov-group/bd3lms (`p_x0.to(torch.float64)`).
  static let bd3lm = AncestralNumerics(weights: .float64, draws: .float64)
}

/// One position's unnormalised transition `q(x_s | x_t)`: `tokenWeight · p[v]` on every token
/// and `maskWeight` on the mask column (MDLM's `q_xs` row: `p_x0 · (move_chance_t -
/// move_chance_s)` with `move_chance_s` at the mask; ReMDM's with its σ).
struct TransitionRow {
  /// The SUBS probabilities `[V]` (zero at the mask), or a committed token's one-hot row.
  enum Probabilities {
    /// `[V]`, the mask column 0.
    case dense([Double])
    /// All mass on one token (a position that is not masked, under SUBS).
    case oneHot(Int)
  }

  /// `p_x0` of the position.
  var probabilities: Probabilities
  /// The coefficient on `p`.
  var tokenWeight: Double
  /// The weight of the mask column (replacing `p`'s).
  var maskWeight: Double
  /// The mask's column.
  var maskColumn: Int

  /// The reference's weights `[V]` in its precision: `p[v] * tokenWeight` (float32 products
  /// of float32 values, or float64), the mask column set to `maskWeight`.
  func weights(vocabularySize v: Int, numerics: AncestralNumerics) -> [Double] {
    var q = [Double](repeating: 0, count: v)
    let w32 = Float(tokenWeight)
    func product(_ p: Double) -> Double {
      numerics.weights == .float32 ? Double(Float(p) * w32) : p * tokenWeight
    }
    switch probabilities {
    case .dense(let p): for j in 0..<v { q[j] = product(p[j]) }
    case .oneHot(let token):
      // 0 * w is 0 (or NaN for an infinite w) everywhere else, as the dense product gives.
      let zero = product(0)
      for j in 0..<v { q[j] = zero }
      q[token] = product(1)
    }
    q[maskColumn] = numerics.weights == .float32 ? Double(Float(maskWeight)) : maskWeight
    return q
  }

  /// The reference's draw, `_sample_categorical`: `argmax(q / (1e-10 - log(u + 1e-10)))` over
  /// `[V]` uniforms `u`, in the draws' precision, with torch's argmax (the first NaN, else the
  /// first maximum).
  func gumbelArgmax(_ uniforms: ArraySlice<Double>, numerics: AncestralNumerics) -> Int {
    let q = weights(vocabularySize: uniforms.count, numerics: numerics)
    var best = 0
    var bestValue = -Double.infinity
    for (j, u) in uniforms.enumerated() {
      let value: Double
      switch numerics.draws {
      case .float32:
        let noise = Float(1e-10) - Foundation.log(Float(u) + Float(1e-10))
        value = Double(Float(q[j]) / noise)
      case .float64:
        value = q[j] / (1e-10 - Foundation.log(u + 1e-10))
      }
      if j == 0 {
        bestValue = value
        continue
      }
      if bestValue.isNaN { break }
      if value.isNaN || value > bestValue {
        best = j
        bestValue = value
      }
    }
    return best
  }

  /// One position's draw: the reference's Gumbel argmax over row `k` of a step's recorded
  /// `[rows, V]` uniforms when the run replays them, else the inverse CDF of one of Unmask's
  /// own uniforms, in the draws' precision.
  func draw(
    row k: Int, of uniforms: [Double]?, vocabularySize v: Int, numerics: AncestralNumerics,
    draws: inout any UniformSource
  ) throws -> Int {
    if let uniforms { return gumbelArgmax(uniforms[(k * v)..<((k + 1) * v)], numerics: numerics) }
    return inverseCDF(
      try draws.uniform(precision: numerics.draws), vocabularySize: v, numerics: numerics)
  }

  /// Unmask's own draw with one uniform `u`: the inverse of the cumulative weights (the mask
  /// first, then the tokens in order), the same distribution `q / sum(q)` as the Gumbel draw.
  /// Weights that are not finite and non-negative (BD3-LM's grid reaches `t = 0`, where the
  /// reference divides by zero) give the reference's noise-free argmax instead, which is what
  /// its Gumbel argmax returns for them whatever the draws.
  func inverseCDF(_ u: Double, vocabularySize v: Int, numerics: AncestralNumerics) -> Int {
    guard tokenWeight.isFinite, maskWeight.isFinite, tokenWeight >= 0, maskWeight >= 0 else {
      return gumbelArgmax(ArraySlice(repeating: 0.5, count: v), numerics: numerics)
    }
    switch probabilities {
    case .oneHot(let token):
      let total = tokenWeight + maskWeight
      return u * total < maskWeight ? maskColumn : token
    case .dense(let p):
      var mass = 0.0
      for j in 0..<v where j != maskColumn { mass += p[j] }
      let total = mass * tokenWeight + maskWeight
      var target = u * total - maskWeight
      if target < 0 { return maskColumn }
      target /= tokenWeight
      var last = maskColumn
      for j in 0..<v where j != maskColumn && p[j] > 0 {
        last = j
        target -= p[j]
        if target < 0 { return j }
      }
      return last  // rounding left a sliver past the last token
    }
  }
}
