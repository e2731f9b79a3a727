/// The decoder's lookup tables for one Huffman code, in buffers reused from chunk to chunk.
///
/// `multi[w]`, for an 11-bit window `w` of the stream (next bits, least significant first),
/// holds as many whole symbols as fit in the window, up to five: the symbols in bytes 0-4
/// (first symbol lowest), their count in byte 5, the first symbol's length in bits in byte 6
/// and all their lengths in byte 7. A decoder stores the word as is and advances by the count;
/// near the end of a segment it takes the first symbol alone.
final class HuffmanTables {
  /// Windows of every width `b` = 0...11, width `b` at `[2^b, 2^(b+1))`; the last level is
  /// `multi`. A window of `b` bits decodes its first symbol, then the rest from the narrower
  /// window that remains, so each entry costs one lookup.
  private let levels: UnsafeMutablePointer<UInt64>
  private static let width = Huffman.maximumLength

  var multi: UnsafePointer<UInt64> { UnsafePointer(levels + (1 << Self.width)) }

  init() {
    levels = .allocate(capacity: 2 << Self.width)
  }

  deinit {
    levels.deallocate()
  }

  /// Fills both tables for a complete code with `lengths` (256 entries, 1...11 or 0).
  func build(_ lengths: [UInt8]) {
    let w = Self.width
    let codes = Huffman.reversedCodes(lengths)
    let present = (0..<256).filter { lengths[$0] > 0 }
    let shortest = present.map { Int(lengths[$0]) }.min() ?? w
    // Width b is filled symbol by symbol: the windows starting with symbol s's code are
    // s followed by the entries of width b - l. Only widths up to w - shortest are ever
    // reached from the full width.
    levels[1] = 0
    for b in 1...w where b <= w - shortest || b == w {
      let level = levels + (1 << b)
      // Windows too narrow for their first code stay empty (the full width has none).
      if b < w { level.update(repeating: 0, count: 1 << b) }
      for s in present where Int(lengths[s]) <= b {
        let l = Int(lengths[s])
        let code = Int(codes[s])
        let rest = UnsafePointer(levels + (1 << (b - l)))
        let head = UInt64(s) | 1 << 40 | UInt64(l) << 48 | UInt64(l) << 56
        if shortest >= 2 {
          // At most five codes of two or more bits fit in 11: no entry overflows.
          for y in 0..<(1 &<< (b &- l)) {
            let r = rest[y]
            level[code | y &<< l] = ((r & 0xFFFF_FFFF) &<< 8 | r & 0xFF00_FF00_0000_0000) &+ head
          }
        } else {
          for y in 0..<(1 &<< (b &- l)) {
            level[code | y &<< l] = Self.prepend(head, rest[y], lengths)
          }
        }
      }
    }
  }

  /// `head` (one symbol, count 1, its length twice) followed by entry `rest`, keeping five symbols
  /// at most: a rest of five loses its fifth.
  private static func prepend(_ head: UInt64, _ rest: UInt64, _ lengths: [UInt8]) -> UInt64 {
    var rest = rest
    if (rest >> 40) & 0xFF == 5 {
      let fifth = Int((rest >> 32) & 0xFF)
      rest = (rest & 0xFFFF_FFFF) | 4 << 40 | ((rest >> 56) - UInt64(lengths[fifth])) << 56
    }
    return ((rest & 0xFFFF_FFFF) << 8 | rest & 0xFF00_FF00_0000_0000) + head
  }
}
