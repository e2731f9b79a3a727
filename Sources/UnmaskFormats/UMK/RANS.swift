import Foundation

/// Order-0 rANS (Duda's asymmetric numeral systems; the structure follows Giesen's public
/// write-ups, rewritten here) with 32-bit states renormalized by 16-bit words, so a decode step
/// reads at most one word and needs no loop, and four interleaved states so the decoder's
/// dependency chains overlap.
///
/// Stream layout (little-endian):
/// ```
/// u16 n (1...256) | n x (u8 symbol, u16 frequency), symbols increasing, frequencies summing
/// to 4096 | 4 x u32 initial decoder states | u16 renormalization words, in decoding order
/// ```
/// Symbol `i` of the plane uses state `i % 4`. The decoder checks every read against the end
/// of the stream, that all bytes are consumed, and that each state returns to `L`; so a
/// corrupt stream is an error, never a crash or an over-read.
enum RANS {
  static let scaleBits: UInt32 = 12
  static let scale = 1 << 12
  static let lower: UInt32 = 1 << 16

  /// Counts byte values.
  static func histogram(_ data: UnsafePointer<UInt8>, count: Int) -> [Int] {
    // Four sub-histograms avoid store-to-load stalls on runs of one symbol.
    var h = [Int](repeating: 0, count: 1024)
    h.withUnsafeMutableBufferPointer { h in
      let n4 = count & ~3
      var i = 0
      while i < n4 {
        h[Int(data[i])] &+= 1
        h[256 + Int(data[i + 1])] &+= 1
        h[512 + Int(data[i + 2])] &+= 1
        h[768 + Int(data[i + 3])] &+= 1
        i += 4
      }
      while i < count {
        h[Int(data[i])] &+= 1
        i += 1
      }
    }
    return (0..<256).map { h[$0] + h[256 + $0] + h[512 + $0] + h[768 + $0] }
  }

  /// Estimated rANS stream size from a histogram: entropy plus table and state bytes.
  static func estimatedSize(histogram: [Int], count: Int) -> Int {
    guard count > 0 else { return 0 }
    var bits = 0.0
    var symbols = 0
    let n = Double(count)
    for c in histogram where c > 0 {
      bits -= Double(c) * log2(Double(c) / n)
      symbols += 1
    }
    return Int(bits / 8) + 3 * symbols + 18 + count / 2048
  }

  /// Scales counts to frequencies summing to 4096, every present symbol at least 1.
  static func normalize(_ histogram: [Int], count: Int) -> [Int] {
    var freq = [Int](repeating: 0, count: 256)
    var total = 0
    for s in 0..<256 where histogram[s] > 0 {
      freq[s] = max(1, Int((Double(histogram[s]) * Double(scale) / Double(count)).rounded()))
      total += freq[s]
    }
    // Give or take the difference from the symbols that can best afford it (largest first).
    var order = (0..<256).filter { freq[$0] > 0 }.sorted { freq[$0] > freq[$1] }
    while total != scale {
      var changed = false
      for s in order where total != scale {
        if total < scale {
          freq[s] += 1
          total += 1
          changed = true
        } else if freq[s] > 1 {
          freq[s] -= 1
          total -= 1
          changed = true
        }
      }
      if !changed { break }
      order.sort { freq[$0] > freq[$1] }
    }
    return freq
  }
}
