import Foundation

/// Rotary position embedding (RoPE), "rotate half" form: a span of `w` dimensions of each head
/// vector is split into halves `(x₁, x₂)` and becomes `(x₁ cos − x₂ sin, x₂ cos + x₁ sin)`, pair
/// `i` turning by the angle `pos · inv_freq[i]`.
///
/// Both LLaDA (`RotaryEmbedding.rotate_half`) and Qwen2/Dream use this layout (not GPT-J's
/// interleaved pairs). Frequencies and angles are computed in float32 as the references do.
/// Which dimensions turn, and how fast, is the `Layout`:
///
/// | layout | span `w` | pairs turned | `inv_freq[i]` |
/// | --- | --- | --- | --- |
/// | `.full` | `d` | `d/2` | `θ^(−2i/d)` |
/// | `.partial(rotaryDimension: r)` | `r` | `r/2` | `θ^(−2i/r)` |
/// | `.proportional(rotatedPairs: p, factor: f)` | `d` | `p` | `θ^(−2i/d) / f` |
///
/// `.partial` is transformers' default RoPE with `partial_rotary_factor` (LLaDA2, Qwen-style
/// `q_rot, q_pass = q[..., :r], q[..., r:]`): the last `d − r` dimensions pass unchanged.
/// `.proportional` is `_compute_proportional_rope_parameters` in transformers'
/// `modeling_rope_utils.py` (Gemma 4's full-attention layers): frequencies over the whole head
/// width, the first `p = int(partial_rotary_factor · d // 2)` of them live and the other
/// `d/2 − p` zero. A zero frequency is the identity (cos 1, sin 0), so only the live pairs are
/// turned; note that the pairs are `(i, i + d/2)`, so turned and passed dimensions interleave
/// at stride `d/2` rather than forming a prefix as in `.partial`.
public struct RotaryEmbedding: Sendable {
  /// Which dimensions of a head turn, and at what frequencies.
  public enum Layout: Sendable, Equatable {
    /// Every dimension (the LLaDA and Dream default).
    case full
    /// The first `rotaryDimension` (even, at most `d`) dimensions, frequencies over that width.
    case partial(rotaryDimension: Int)
    /// Gemma 4's proportional RoPE: the first `rotatedPairs` of the `d/2` pairs turn at
    /// frequencies over the full width divided by `factor`; the rest do not turn.
    case proportional(rotatedPairs: Int, factor: Double)
  }

  /// Dimensions per head (`d`).
  public let headDimension: Int
  /// The base `θ` (`rope_theta`).
  public let theta: Double
  /// Which dimensions turn.
  public let layout: Layout

  /// RoPE for heads of `headDimension` (even) with base `theta`, turning the dimensions
  /// `layout` says (every one by default).
  public init(headDimension: Int, theta: Double, layout: Layout = .full) {
    self.headDimension = headDimension
    self.theta = theta
    self.layout = layout
  }

  /// `.partial` for a config's `partial_rotary_factor`: `r = int(d · factor)`, as transformers'
  /// `_compute_default_rope_parameters` and LLaDA2's attention (`rope_dim`) compute it.
  public static func partial(headDimension: Int, theta: Double, factor: Double)
    -> RotaryEmbedding
  {
    let r = Int(Double(headDimension) * factor)
    return RotaryEmbedding(
      headDimension: headDimension, theta: theta,
      layout: r >= headDimension ? .full : .partial(rotaryDimension: r))
  }

  /// `.proportional` for a config's `partial_rotary_factor` and `factor` (default 1):
  /// `int(partial_rotary_factor · d // 2)` live pairs, as `_compute_proportional_rope_parameters`.
  public static func proportional(
    headDimension: Int, theta: Double, partialRotaryFactor: Double, factor: Double = 1
  ) -> RotaryEmbedding {
    let pairs = Int((partialRotaryFactor * Double(headDimension) / 2).rounded(.down))
    return RotaryEmbedding(
      headDimension: headDimension, theta: theta,
      layout: .proportional(rotatedPairs: min(pairs, headDimension / 2), factor: factor))
  }

  /// Dimensions `w` of each head that take part in the rotation (pairs are `(i, i + w/2)`).
  var span: Int {
    switch layout {
    case .full, .proportional: return headDimension
    case .partial(let r): return r
    }
  }

  /// Pairs turned per head, and the width of a row of the tables.
  public var rotatedPairs: Int {
    switch layout {
    case .full: return headDimension / 2
    case .partial(let r): return r / 2
    case .proportional(let pairs, _): return pairs
    }
  }

  /// Multiply-adds to rotate one head vector (4 per turned pair).
  public var multiplyAddsPerHead: Int { 4 * rotatedPairs }

  /// `inv_freq[i] = 1 / θ^(2i/w)` in float32, as `1.0 / (base ** (torch.arange(0, w, 2).float()
  /// / w))`, divided by `factor` for `.proportional` (`inv_freq /= factor`).
  public var inverseFrequencies: [Float] {
    let width = Float(span)
    let frequencies = (0..<rotatedPairs).map { i in 1 / powf(Float(theta), Float(2 * i) / width) }
    if case .proportional(_, let factor) = layout, factor != 1 {
      return frequencies.map { $0 / Float(factor) }
    }
    return frequencies
  }

  /// cos and sin tables `[T, rotatedPairs]` for positions `0..<T`.
  public func tables(positions: Int) -> (cos: [Float], sin: [Float]) {
    let pairs = rotatedPairs
    let frequencies = inverseFrequencies
    var cosines = [Float](repeating: 0, count: positions * pairs)
    var sines = [Float](repeating: 0, count: positions * pairs)
    for p in 0..<positions {
      for i in 0..<pairs {
        let angle = Float(p) * frequencies[i]
        cosines[p * pairs + i] = cosf(angle)
        sines[p * pairs + i] = sinf(angle)
      }
    }
    return (cosines, sines)
  }

  /// Rotates, in place, `heads` head vectors per row of `x` (`[T, heads · d]`), row `t` with
  /// row `t` of `tables` (`[T, rotatedPairs]` each).
  public func apply(
    _ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, tables: (cos: [Float], sin: [Float])
  ) {
    let d = headDimension
    let pairs = rotatedPairs
    let half = span / 2
    tables.cos.withUnsafeBufferPointer { cosines in
      tables.sin.withUnsafeBufferPointer { sines in
        ComputeThreads.parallelFor(rows) { t in
          for h in 0..<heads {
            let v = x + t * heads * d + h * d
            for i in 0..<pairs {
              let c = cosines[t * pairs + i]
              let s = sines[t * pairs + i]
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
