import Foundation
import UnmaskKernels

/// The noise-level embedding of MDLM's DiT (`TimestepEmbedder`, after DiT and GLIDE): a scalar σ
/// becomes sinusoidal features, then a two-layer MLP:
///
///     f(σ) = [cos(σ · ω_0), …, cos(σ · ω_{h-1}), sin(σ · ω_0), …, sin(σ · ω_{h-1})]
///     ω_i  = exp(−ln(max_period) · i / h),   h = frequency_dimension / 2
///     e(σ) = W₂ · silu(W₁ · f(σ) + b₁) + b₂          [cond]
///
/// All in float32 as `timestep_embedding` computes it (σ cast to float32 first, the frequencies
/// `exp(-log(10000) * arange(h) / h)` in float32). `frequency_dimension` is 256 in the reference
/// (the width of `mlp.0`'s input); an odd width gets a zero last feature.
public struct TimestepEmbedder: Sendable {
  /// `mlp.0`: `[cond, frequency_dimension]` with bias.
  public let first: Linear
  /// `mlp.2`: `[cond, cond]` with bias.
  public let second: Linear
  /// `max_period` (10000).
  public let maxPeriod: Float

  /// An embedder from its two projections; their shapes must chain.
  public init(first: Linear, second: Linear, maxPeriod: Float = 10_000) throws {
    guard second.inFeatures == first.outFeatures else {
      throw ShapeError(
        tensor: second.weight.name, expected: "[\(second.outFeatures), \(first.outFeatures)]",
        found: second.weight.shape)
    }
    self.first = first
    self.second = second
    self.maxPeriod = maxPeriod
  }

  /// Sinusoidal features per σ (`mlp.0`'s input width).
  public var frequencyDimension: Int { first.inFeatures }
  /// Width of the embedding (`cond_dim`).
  public var outputDimension: Int { second.outFeatures }
  /// Weights and biases.
  public var parameterCount: Int { first.parameterCount + second.parameterCount }

  /// `f(σ)`, `[frequency_dimension]`.
  func frequencies(_ sigma: Float) -> [Float] {
    let half = frequencyDimension / 2
    let logPeriod = -logf(maxPeriod)
    var features = [Float](repeating: 0, count: frequencyDimension)
    for i in 0..<half {
      // (-log(max_period) * i) / half, then exp: the reference's order of operations.
      let argument = sigma * expf(logPeriod * Float(i) / Float(half))
      features[i] = cosf(argument)
      features[half + i] = sinf(argument)
    }
    return features
  }

  /// `e(σ)` for each of `sigmas`: `[n, cond]`, row after row.
  public func apply(_ sigmas: [Float]) -> [Float] {
    let n = sigmas.count
    let features = sigmas.flatMap(frequencies)
    var hidden = [Float](repeating: 0, count: n * first.outFeatures)
    var output = [Float](repeating: 0, count: n * outputDimension)
    features.withUnsafeBufferPointer { f in
      hidden.withUnsafeMutableBufferPointer { h in
        guard let fBase = f.baseAddress, let hBase = h.baseAddress else { return }
        first.apply(fBase, rows: n, into: hBase)
        for i in 0..<h.count { h[i] = silu(h[i]) }
        output.withUnsafeMutableBufferPointer { o in
          guard let oBase = o.baseAddress else { return }
          second.apply(UnsafePointer(hBase), rows: n, into: oBase)
        }
      }
    }
    return output
  }
}

/// What a DiT makes of a canvas's noise level: the condition `c = silu(e(σ))` every adaLN
/// modulation reads (`DIT.forward`: `c = F.silu(self.sigma_map(sigma))`).
///
/// Without time conditioning (`time_conditioning: false`, mdlm-owt's and the BD3-LM checkpoints'
/// setting) σ is replaced by 0 before the embedding, as MDLM's `_process_sigma` and BD3-LM's
/// `DITBackbone.forward` do: the network still has the embedder and reads `c = silu(e(0))`.
public struct NoiseConditioning: Sendable {
  /// `sigma_map`.
  public let embedder: TimestepEmbedder
  /// Whether σ reaches the embedder (`time_conditioning`); when false it is zeroed.
  public let timeConditioned: Bool

  /// A conditioning from its embedder.
  public init(embedder: TimestepEmbedder, timeConditioned: Bool) {
    self.embedder = embedder
    self.timeConditioned = timeConditioned
  }

  /// Width of `c` (`cond_dim`).
  public var dimension: Int { embedder.outputDimension }

  /// `c` for each of `sigmas` (σ cast to float32, or 0 without time conditioning): `[n, cond]`.
  public func conditions(for sigmas: [Double]) -> [Float] {
    let used = sigmas.map { timeConditioned ? Float($0) : 0 }
    return embedder.apply(used).map(silu)
  }
}

/// `x · sigmoid(x)`, as `x / (1 + e⁻ˣ)` in float32.
@inline(__always)
func silu(_ x: Float) -> Float { x / (1 + expf(-x)) }
