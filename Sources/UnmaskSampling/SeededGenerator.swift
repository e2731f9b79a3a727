import UnmaskCore
/// A small, explicit, seeded random number generator: xoshiro256** seeded through SplitMix64.
///
/// Every random draw of the sampler (Gumbel noise, categorical sampling, random remasking,
/// ReMDM remasks, alg-temp position sampling) goes through one of these, passed `inout`, so a
/// seed reproduces a run bit for bit. It does not reproduce torch's generator: the references
/// are matched exactly only on their deterministic paths (temperature 0).
///
/// Algorithms: Blackman and Vigna, "Scrambled linear pseudorandom number generators" (2021);
/// SplitMix64 from Steele, Lea and Flood (2014) expands the 64-bit seed into the 256-bit state.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  /// A generator whose whole stream is decided by `seed`.
  public init(seed: UInt64) {
    // xoshiro's authors recommend seeding its state from SplitMix64.
    var seeder = SplitMix64(seed: seed)
    s0 = seeder.next()
    s1 = seeder.next()
    s2 = seeder.next()
    s3 = seeder.next()
  }

  /// The next 64 random bits (xoshiro256**).
  public mutating func next() -> UInt64 {
    let result = rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return result
  }

  /// A uniform double in `[0, 1)` with 53 random bits, like `torch.rand(dtype=float64)`.
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  @inline(__always)
  private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
  }
}
