import Foundation

/// Rotary position embedding (RoPE), "rotate half" form: each head vector is split into halves
/// `(x₁, x₂)` and becomes `(x₁ cos − x₂ sin, x₂ cos + x₁ sin)` with angle `pos · θ^(−2i/d)`.
///
/// Both LLaDA (`RotaryEmbedding.rotate_half`) and Qwen2/Dream use this layout (not GPT-J's
/// interleaved pairs). Frequencies and angles are computed in float32 as the references do.
public struct RotaryEmbedding: Sendable {
  /// Dimensions per head (`d`).
  public let headDimension: Int
  /// The base `θ` (`rope_theta`).
  public let theta: Double

  /// RoPE for heads of `headDimension` (even) with base `theta`.
  public init(headDimension: Int, theta: Double) {
    self.headDimension = headDimension
    self.theta = theta
  }

  /// `inv_freq[i] = 1 / θ^(2i/d)` in float32, as `torch.arange(0, d, 2).float() / d`.
  var inverseFrequencies: [Float] {
    let half = headDimension / 2
    return (0..<half).map { i in
      1 / powf(Float(theta), Float(2 * i) / Float(headDimension))
    }
  }

  /// cos and sin tables `[T, d/2]` for positions `0..<T`.
  public func tables(positions: Int) -> (cos: [Float], sin: [Float]) {
    let half = headDimension / 2
    let frequencies = inverseFrequencies
    var cosines = [Float](repeating: 0, count: positions * half)
    var sines = [Float](repeating: 0, count: positions * half)
    for p in 0..<positions {
      for i in 0..<half {
        let angle = Float(p) * frequencies[i]
        cosines[p * half + i] = cosf(angle)
        sines[p * half + i] = sinf(angle)
      }
    }
    return (cosines, sines)
  }

  /// Rotates, in place, `heads` head vectors per row of `x` (`[T, heads · d]`).
  public func apply(
    _ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, tables: (cos: [Float], sin: [Float])
  ) {
    let d = headDimension
    let half = d / 2
    tables.cos.withUnsafeBufferPointer { cosines in
      tables.sin.withUnsafeBufferPointer { sines in
        ComputeThreads.parallelFor(rows) { t in
          for h in 0..<heads {
            let v = x + t * heads * d + h * d
            for i in 0..<half {
              let c = cosines[t * half + i]
              let s = sines[t * half + i]
              let x1 = v[i]
              let x2 = v[i + half]
              v[i] = x1 * c - x2 * s
              v[i + half] = x2 * c + x1 * s
            }
          }
        }
      }
    }
  }
}
