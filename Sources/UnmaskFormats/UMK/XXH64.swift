/// XXH64, Yann Collet's fast non-cryptographic 64-bit hash, written from the published
/// algorithm (xxhash.com, "xxHash fast digest algorithm" spec). `.umk` files use it with seed 0
/// for every checksum: preamble, header, blobs, chunks and decoded tensors.
///
/// It detects accidental corruption (flipped bits, truncation), not tampering.
public enum XXH64 {
  @usableFromInline static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
  @usableFromInline static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  @usableFromInline static let p3: UInt64 = 0x1656_67B1_9E37_79F9
  @usableFromInline static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
  @usableFromInline static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

  @inline(__always) @usableFromInline
  static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

  @inline(__always) @usableFromInline
  static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
    rotl(acc &+ input &* p2, 31) &* p1
  }

  @inline(__always) @usableFromInline
  static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
    (acc ^ round(0, value)) &* p1 &+ p4
  }

  /// The XXH64 digest of `bytes` with `seed`.
  ///
  /// - Complexity: O(n), four independent 64-bit lanes over 32-byte stripes.
  public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    let count = bytes.count
    guard let base = bytes.baseAddress, count > 0 else { return avalanche(seed &+ p5) }
    var offset = 0
    var h: UInt64
    if count >= 32 {
      var v1 = seed &+ p1 &+ p2
      var v2 = seed &+ p2
      var v3 = seed
      var v4 = seed &- p1
      let limit = count - 32
      while offset <= limit {
        v1 = round(
          v1, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        v2 = round(
          v2, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
        v3 = round(
          v3, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
        )
        v4 = round(
          v4, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
        )
        offset += 32
      }
      h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
      h = merge(h, v1)
      h = merge(h, v2)
      h = merge(h, v3)
      h = merge(h, v4)
    } else {
      h = seed &+ p5
    }
    h = h &+ UInt64(count)
    while offset + 8 <= count {
      let k = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
      h = rotl(h ^ round(0, k), 27) &* p1 &+ p4
      offset += 8
    }
    if offset + 4 <= count {
      let k = UInt64(
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
      h = rotl(h ^ (k &* p1), 23) &* p2 &+ p3
      offset += 4
    }
    while offset < count {
      let k = UInt64(base.load(fromByteOffset: offset, as: UInt8.self))
      h = rotl(h ^ (k &* p5), 11) &* p1
      offset += 1
    }
    return avalanche(h)
  }

  /// The XXH64 digest of a byte array.
  public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
    bytes.withUnsafeBytes { hash($0, seed: seed) }
  }

  @inline(__always) @usableFromInline
  static func avalanche(_ value: UInt64) -> UInt64 {
    var h = value
    h ^= h >> 33
    h = h &* p2
    h ^= h >> 29
    h = h &* p3
    h ^= h >> 32
    return h
  }
}
