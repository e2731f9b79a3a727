import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskFormats

/// Planes of `count` bytes: skewed like an exponent plane, a symbol with p > 1/2 (one-bit code,
/// so table windows hold more than five symbols), uniform, two symbols, and one symbol.
private func huffmanInputs(_ count: Int) -> [(String, [UInt8])] {
  var rng = SplitMix64(seed: UInt64(count) + 7)
  func exponent() -> UInt8 {
    UInt8(120 + min(15, Int(-log2(Double.random(in: 1e-9..<1, using: &rng)) * 1.5)))
  }
  return [
    ("exponent-like", (0..<count).map { _ in exponent() }),
    (
      "dominant",
      (0..<count).map { _ in Double.random(in: 0..<1, using: &rng) < 0.8 ? 7 : exponent() }
    ),
    ("uniform", (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }),
    ("two symbols", (0..<count).map { _ in Bool.random(using: &rng) ? 3 : 250 }),
    ("constant", [UInt8](repeating: 42, count: count)),
  ]
}

private func encode(_ data: [UInt8]) -> [UInt8]? {
  let capacity = 2 * data.count + 1024
  var stream = [UInt8](repeating: 0, count: capacity)
  // swift-format-ignore: NeverForceUnwrap
  let histogram = data.withUnsafeBufferPointer {
    RANS.histogram($0.baseAddress!, count: data.count)
  }
  // swift-format-ignore: NeverForceUnwrap
  let length = data.withUnsafeBufferPointer { d in
    stream.withUnsafeMutableBufferPointer { s in
      Huffman.encode(
        d.baseAddress!, count: data.count, histogram: histogram, into: s.baseAddress!,
        capacity: capacity, limit: capacity)
    }
  }
  return length.map { Array(stream[0..<$0]) }
}

private func decode(_ stream: [UInt8], count: Int) -> [UInt8]? {
  var out = [UInt8](repeating: 0, count: count)
  // swift-format-ignore: NeverForceUnwrap
  let ok = stream.withUnsafeBytes { s in
    out.withUnsafeMutableBufferPointer { Huffman.decode(s, count: count, into: $0.baseAddress!) }
  }
  return ok ? out : nil
}

@Test(arguments: [1, 2, 3, 4, 5, 7, 64, 133, 1001, 70000])
func huffmanRoundTripsAndRejectsCorruption(count: Int) {
  for (kind, data) in huffmanInputs(count) {
    guard let stream = encode(data) else {
      Issue.record("\(kind): no stream")
      continue
    }
    #expect(decode(stream, count: count) == data, "\(kind)")
    if kind == "exponent-like" && count >= 1001 {
      // Gallager's bound on Huffman's redundancy: under p_max + 0.086 bits per symbol above
      // the order-0 entropy (plus the table and the segments' last bytes).
      // swift-format-ignore: NeverForceUnwrap
      let histogram = data.withUnsafeBufferPointer { RANS.histogram($0.baseAddress!, count: count) }
      let n = Double(count)
      let entropyBits = histogram.filter { $0 > 0 }.reduce(0.0) {
        $0 - Double($1) * log2(Double($1) / n)
      }
      let bound = (entropyBits + n * (Double(histogram.max()!) / n + 0.086)) / 8 + 40
      #expect(Double(stream.count) < bound, "\(stream.count) bytes vs bound \(bound)")
    }
    // Any flipped byte is either detected or decodes to other bytes; never a crash or an
    // out-of-bounds access (the decoder writes exactly `count` bytes).
    for position in stride(from: 0, to: stream.count, by: max(1, stream.count / 23)) {
      var bad = stream
      bad[position] ^= 0x5A
      _ = decode(bad, count: count)
    }
    if stream.count > 2 {
      #expect(decode(Array(stream.dropLast()), count: count) == nil, "\(kind): truncated")
      #expect(decode(stream + [0], count: count) == nil, "\(kind): trailing byte")
    }
  }
}

@Test func huffmanCodeLengthsAreOptimalAndLimited() {
  // A dyadic distribution: the optimal code is exactly -log2(p).
  var histogram = [Int](repeating: 0, count: 256)
  for (s, c) in [(10, 8), (11, 4), (12, 2), (13, 1), (14, 1)] { histogram[s] = c }
  let lengths = Huffman.codeLengths(histogram)
  #expect([10, 11, 12, 13, 14].map { lengths[$0] } == [1, 2, 3, 4, 4])
  // Fibonacci counts make a Huffman tree 30 deep: lengths must be cut to 11 and stay a
  // complete code (Kraft sum exactly 1), with more frequent symbols never longer.
  var a = 1
  var b = 1
  histogram = [Int](repeating: 0, count: 256)
  for s in 0..<30 {
    histogram[s] = a
    (a, b) = (b, a + b)
  }
  let limited = Huffman.codeLengths(histogram)
  let present = (0..<30).map { Int(limited[$0]) }
  #expect(present.allSatisfy { (1...Huffman.maximumLength).contains($0) })
  #expect(
    present.reduce(0) { $0 + (1 << (Huffman.maximumLength - $1)) } == 1 << Huffman.maximumLength)
  #expect(zip(present, present.dropFirst()).allSatisfy { $0 >= $1 })
  let data = (0..<30).flatMap { [UInt8](repeating: UInt8($0), count: min(histogram[$0], 5000)) }
  #expect(encode(data).flatMap { decode($0, count: data.count) } == data)
}

/// The stream layout is pinned: a change to it must come with a format version and a reader
/// for the old layout (python/umk.py decodes the same bytes).
@Test func huffmanStreamLayoutIsStable() {
  let data: [UInt8] = Array("abracadabra, abracadabra!".utf8)
  let stream = encode(data)
  #expect(
    stream == [
      0x20, 0x72, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x10, 0x43, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03,
      0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x52, 0xEB, 0x00, 0x52,
      0xF3, 0x00, 0xA9, 0x75, 0x00, 0xA9, 0x0F,
    ])
  #expect(stream.flatMap { decode($0, count: data.count) } == data)
}

@Test func huffmanRejectsMalformedTables() {
  let data = huffmanInputs(500)[0].1
  guard let stream = encode(data) else {
    Issue.record("no stream")
    return
  }
  // An incomplete code (one length made longer), a length over 11, a reversed range.
  var longer = stream
  longer[2] = (longer[2] & 0xF0) | min(11, (longer[2] & 15) + 1)
  #expect(decode(longer, count: 500) == nil)
  var tooLong = stream
  tooLong[2] = (tooLong[2] & 0xF0) | 12
  #expect(decode(tooLong, count: 500) == nil)
  var reversed = stream
  reversed.swapAt(0, 1)
  #expect(decode(reversed, count: 500) == nil)
  // Segment lengths pointing past the end.
  var overlong = stream
  let lengthsAt = 2 + (Int(stream[1]) - Int(stream[0]) + 2) / 2
  overlong[lengthsAt + 3] = 0x7F
  #expect(decode(overlong, count: 500) == nil)
}
