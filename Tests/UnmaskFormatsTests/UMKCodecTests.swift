import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskFormats

@Test func xxh64MatchesPublishedVectors() {
  #expect(XXH64.hash([UInt8]()) == 0xEF46_DB37_51D8_E999)
  #expect(XXH64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
  #expect(XXH64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
  // The xxhash Python package's documentation example (a 39-byte input: stripes and tail).
  #expect(
    XXH64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
}

/// rANS inputs: skewed like an exponent plane, uniform, one symbol, and tiny lengths.
@Test(arguments: [0, 1, 2, 3, 4, 5, 7, 64, 1001, 70000])
func ransRoundTripsAndRejectsCorruption(count: Int) {
  var rng = SplitMix64(seed: UInt64(count))
  for kind in 0..<3 {
    let data: [UInt8] = (0..<count).map { _ in
      switch kind {
      case 0:
        return UInt8(120 + min(15, Int(-log2(Double.random(in: 1e-9..<1, using: &rng)) * 1.5)))
      case 1: return UInt8.random(in: 0...255, using: &rng)
      default: return 42
      }
    }
    let capacity = 2 * count + 1024
    var stream = [UInt8](repeating: 0, count: capacity)
    let histogram = data.withUnsafeBufferPointer { RANS.histogram($0.baseAddress!, count: count) }
    let length = data.withUnsafeBufferPointer { d in
      stream.withUnsafeMutableBufferPointer { s in
        RANS.encode(
          d.baseAddress!, count: count, histogram: histogram, into: s.baseAddress!,
          capacity: capacity, limit: capacity)
      }
    }
    guard count > 0, let length else {
      #expect(count == 0)
      continue
    }
    if kind == 0 {
      #expect(length < count / 2 + 1100, "skewed data should compress: \(length) of \(count)")
    }
    var out = [UInt8](repeating: 0, count: count)
    let ok = stream.withUnsafeBytes { s in
      out.withUnsafeMutableBufferPointer {
        RANS.decode(
          UnsafeRawBufferPointer(rebasing: s[0..<length]), count: count, into: $0.baseAddress!)
      }
    }
    #expect(ok && out == data, "kind \(kind)")
    // Any single flipped byte is either detected or (rarely) decodes to other bytes; never a crash.
    for position in stride(from: 0, to: length, by: max(1, length / 17)) {
      var bad = Array(stream[0..<length])
      bad[position] ^= 0x5A
      _ = bad.withUnsafeBytes { b in
        out.withUnsafeMutableBufferPointer { RANS.decode(b, count: count, into: $0.baseAddress!) }
      }
    }
    // Truncated streams are rejected.
    let truncated = stream.withUnsafeBytes { s in
      out.withUnsafeMutableBufferPointer {
        RANS.decode(
          UnsafeRawBufferPointer(rebasing: s[0..<(length - 1)]), count: count, into: $0.baseAddress!
        )
      }
    }
    #expect(!truncated)
  }
}

@Test(arguments: [1, 2, 4, 8])
func bytePlanesRoundTrip(width: Int) {
  var rng = SplitMix64(seed: UInt64(width))
  let count = 333
  let source = (0..<(count * width)).map { _ in UInt8.random(in: 0...255, using: &rng) }
  for transform in [UMKTransform.none, .rotateSign] {
    var planes = [UInt8](repeating: 0, count: count * width)
    var back = [UInt64](repeating: 0, count: count)  // aligned for every width
    source.withUnsafeBytes { s in
      planes.withUnsafeMutableBufferPointer {
        BytePlanes.split(
          s.baseAddress!, count: count, width: width, transform: transform, into: $0.baseAddress!)
      }
    }
    planes.withUnsafeBufferPointer { p in
      let pointers = (0..<width).map { p.baseAddress! + $0 * count }
      back.withUnsafeMutableBytes {
        BytePlanes.merge(
          pointers, count: count, width: width, transform: transform, into: $0.baseAddress!)
      }
    }
    let restored = back.withUnsafeBytes { Array($0.prefix(count * width)) }
    #expect(restored == source)
  }
}

@Test func rotatedBFloat16PutsTheExponentInPlaneZero() {
  let bits: [UInt16] = [0x3F80, 0xBF80]  // 1.0 and -1.0: exponent 127, sign differs
  var planes = [UInt8](repeating: 0, count: 4)
  bits.withUnsafeBytes { s in
    planes.withUnsafeMutableBufferPointer {
      BytePlanes.split(
        s.baseAddress!, count: 2, width: 2, transform: .rotateSign, into: $0.baseAddress!)
    }
  }
  #expect(planes == [127, 127, 0, 1])
}
