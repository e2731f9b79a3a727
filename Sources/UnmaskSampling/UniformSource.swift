/// The precision of a uniform draw, as the reference draws it: `torch.rand_like` of a float32
/// tensor gives float32 uniforms (24 random bits), of a float64 tensor float64 ones (53 bits).
public enum UniformPrecision: String, Sendable, Codable, CaseIterable {
  /// Float32 uniforms, multiples of 2^-24 in [0, 1) (MDLM's `_sample_categorical`).
  case float32
  /// Float64 uniforms, multiples of 2^-53 in [0, 1) (ReMDM's and BD3-LM's, numpy's `rand`).
  case float64
}

/// Where a sampler's uniform draws come from: the random-source seam of the ancestral samplers
/// (`--sampler ddpm | ddpm-cache | analytic | semi-ar`).
///
/// Two conformers: `SeededGenerator`, Unmask's own generator, which draws only what the sampler
/// needs (one uniform per categorical draw, inverse CDF); and `ReplayedDraws`, the uniforms a
/// reference run drew, recorded to an `.npy` file and served back in order, so that Unmask
/// reproduces that PyTorch run token for token. With `replaysReference` the sampler draws every
/// uniform the reference draws, in the reference's order and tensor layout (all `[L, V]` of a
/// Gumbel-max step, the rows it then discards included), and decides as the reference does
/// (Gumbel argmax in the reference's precision); a replay is therefore exact by construction
/// up to float rounding of the model's logits.
///
/// Integer draws are uniforms too: `torch.randint(0, n)` is replayed as `floor(u * n)`, and a
/// recorder stores its result `r` as `u = (r + 1/2) / n` (see
/// scripts/fixtures/make_kuleshov_sampler_goldens.py).
public protocol UniformSource {
  /// Whether the sampler must draw as the reference does (a replay), rather than only what it
  /// needs.
  var replaysReference: Bool { get }
  /// The next `count` uniforms in `[0, 1)` at `precision` (float32 values are exact in the
  /// returned doubles), in the order `torch.rand(count)` gives them.
  ///
  /// - Throws: `SamplingError.replay` when a recording runs out or does not hold draws of this
  ///   precision or shape.
  mutating func uniforms(_ count: Int, precision: UniformPrecision) throws -> [Double]
  /// Called once when the run ends: a replay throws if draws are left (the run drew fewer
  /// than the recording holds); a generator does nothing.
  func finish() throws
}

extension UniformSource {
  /// Nothing to check.
  public func finish() throws {}

  /// One uniform.
  public mutating func uniform(precision: UniformPrecision) throws -> Double {
    try uniforms(1, precision: precision)[0]
  }

  /// A uniform index in `0..<n` as `floor(u * n)` (`torch.randint(0, n)` replayed).
  public mutating func index(below n: Int, precision: UniformPrecision = .float64) throws -> Int {
    let u = try uniform(precision: precision)
    return min(n - 1, Int(u * Double(n)))
  }
}
