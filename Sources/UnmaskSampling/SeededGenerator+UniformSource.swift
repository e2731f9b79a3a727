/// Unmask's own generator as the ancestral samplers' random source: it draws only what the
/// sampler needs, so a run does not reproduce PyTorch's stream (replay a recording for that).
extension SeededGenerator: UniformSource {
  /// Draws only what the sampler needs.
  public var replaysReference: Bool { false }

  /// `count` uniforms: float32 as `torch.rand(dtype=float32)` forms them (the top 24 bits
  /// times 2^-24), float64 with 53 bits (`nextUniform()`). Never throws.
  public mutating func uniforms(_ count: Int, precision: UniformPrecision) throws -> [Double] {
    (0..<count).map { _ in
      switch precision {
      case .float32: return Double(next() >> 40) * 0x1.0p-24
      case .float64: return nextUniform()
      }
    }
  }
}
