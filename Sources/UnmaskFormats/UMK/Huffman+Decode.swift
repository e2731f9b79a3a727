extension Huffman {
  /// Decodes a stream made by `encode` into exactly `count` bytes at `out`; false if the
  /// stream is malformed (bad table, incomplete code, segment lengths that do not add up, or a
  /// segment whose bits do not end in its last byte). Never reads outside `stream` or writes
  /// outside `out[0..<count]`.
  ///
  /// `tables` is scratch space, reused across calls by one thread.
  static func decode(
    _ stream: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<UInt8>,
    tables: HuffmanTables = HuffmanTables()
  ) -> Bool {
    guard count > 0, let base = stream.baseAddress, stream.count >= 2 else { return false }
    let first = Int(stream[0])
    let last = Int(stream[1])
    if first == last {
      guard stream.count == 2 else { return false }
      out.update(repeating: UInt8(first), count: count)
      return true
    }
    guard first < last else { return false }
    var lengths = [UInt8](repeating: 0, count: 256)
    let nibbleBytes = (last - first + 2) / 2
    let head = 2 + nibbleBytes + 4 * (segments - 1)
    guard stream.count >= head else { return false }
    var kraft = 0
    for k in first...last {
      let byte = stream[2 + (k - first) / 2]
      let l = Int((k - first) % 2 == 0 ? byte & 15 : byte >> 4)
      guard l <= maximumLength else { return false }
      lengths[k] = UInt8(l)
      if l > 0 { kraft += 1 << (maximumLength - l) }
    }
    // The padding nibble must be zero, the ends present, and the code complete, so every
    // 11-bit window decodes to at least one symbol.
    let padded = (last - first) % 2 == 0 ? stream[2 + nibbleBytes - 1] >> 4 : 0
    guard padded == 0, lengths[first] > 0, lengths[last] > 0, kraft == 1 << maximumLength else {
      return false
    }
    var starts = [head]
    for k in 0..<(segments - 1) {
      let length = Int(
        UInt32(
          littleEndian: base.loadUnaligned(fromByteOffset: 2 + nibbleBytes + 4 * k, as: UInt32.self)
        ))
      guard length <= stream.count - starts[k] else { return false }
      starts.append(starts[k] + length)
    }
    starts.append(stream.count)
    tables.build(lengths)
    return decodeSegments(
      base, streamLength: stream.count, starts: starts, count: count, tables: tables, into: out)
  }

  /// The four segments, interleaved: a fast loop while every segment has room for five
  /// whole-word lookups, then each segment's tail one symbol at a time.
  private static func decodeSegments(
    _ base: UnsafeRawPointer, streamLength: Int, starts: [Int], count: Int,
    tables: HuffmanTables, into out: UnsafeMutablePointer<UInt8>
  ) -> Bool {
    var c0 = BitCursor(start: starts[0], output: segmentRange(0, count: count))
    var c1 = BitCursor(start: starts[1], output: segmentRange(1, count: count))
    var c2 = BitCursor(start: starts[2], output: segmentRange(2, count: count))
    var c3 = BitCursor(start: starts[3], output: segmentRange(3, count: count))
    let multi = tables.multi
    // Five lookups write at most 5 x 5 symbols plus a 3-byte overhang of the last word.
    let room = 5 * 5 + 8
    let lastLoad = streamLength - 8
    while c0.output + room <= c0.outputEnd, c1.output + room <= c1.outputEnd,
      c2.output + room <= c2.outputEnd, c3.output + room <= c3.outputEnd,
      max(c0.bitPosition, c1.bitPosition, c2.bitPosition, c3.bitPosition) >> 3 <= lastLoad
    {
      var w0 = c0.window(base)
      var w1 = c1.window(base)
      var w2 = c2.window(base)
      var w3 = c3.window(base)
      for _ in 0..<5 {
        c0.lookup(&w0, multi, out)
        c1.lookup(&w1, multi, out)
        c2.lookup(&w2, multi, out)
        c3.lookup(&w3, multi, out)
      }
    }
    let ends = [starts[1], starts[2], starts[3], streamLength]
    for (k, var cursor) in [c0, c1, c2, c3].enumerated() {
      cursor.finish(base, streamLength: streamLength, table: tables.multi, out)
      guard cursor.endsIn(start: starts[k], end: ends[k]) else { return false }
    }
    return true
  }
}

/// One segment's bit position and output position. The fast path loads the 8 bytes holding
/// the next bit and shifts off the bits already used, which leaves at least 57 valid bits:
/// enough for five codes of 11 bits.
private struct BitCursor {
  /// Bits of the stream consumed so far, counted from the stream's start.
  var bitPosition: Int
  var output: Int
  let outputEnd: Int

  init(start: Int, output: Range<Int>) {
    bitPosition = 8 * start
    self.output = output.lowerBound
    outputEnd = output.upperBound
  }

  /// The next 57-64 bits, least significant first (caller checks the load is in bounds).
  @inline(__always) func window(_ base: UnsafeRawPointer) -> UInt64 {
    let word = base.loadUnaligned(fromByteOffset: bitPosition &>> 3, as: UInt64.self)
    return UInt64(littleEndian: word) &>> UInt64(truncatingIfNeeded: bitPosition & 7)
  }

  /// One table lookup: up to five symbols, stored as one 8-byte word (the caller guarantees
  /// room; bytes past the symbols are overwritten by the next lookup).
  @inline(__always) mutating func lookup(
    _ bits: inout UInt64, _ table: UnsafePointer<UInt64>, _ out: UnsafeMutablePointer<UInt8>
  ) {
    let e = table[Int(truncatingIfNeeded: bits & 0x7FF)]
    UnsafeMutableRawPointer(out + output).storeBytes(of: e.littleEndian, as: UInt64.self)
    output &+= Int(truncatingIfNeeded: (e &>> 40) & 0xFF)
    let used = e &>> 56
    bits &>>= used
    bitPosition &+= Int(truncatingIfNeeded: used)
  }

  /// Decodes the rest of the segment one symbol at a time (the first of each lookup), reading
  /// bytes past the end of the stream as zeros (a valid segment never consumes them; `endsIn`
  /// then fails).
  mutating func finish(
    _ base: UnsafeRawPointer, streamLength: Int, table: UnsafePointer<UInt64>,
    _ out: UnsafeMutablePointer<UInt8>
  ) {
    while output < outputEnd {
      // Three bytes from the bit position cover any 11-bit code after a shift of up to 7.
      var bits: UInt64 = 0
      for k in 0..<3 {
        let at = bitPosition / 8 + k
        let byte = at < streamLength ? base.load(fromByteOffset: at, as: UInt8.self) : 0
        bits |= UInt64(byte) << (8 * UInt64(k))
      }
      bits >>= UInt64(bitPosition % 8)
      let e = table[Int(truncatingIfNeeded: bits & 0x7FF)]
      out[output] = UInt8(truncatingIfNeeded: e)
      bitPosition += Int((e >> 48) & 0xFF)
      output += 1
    }
  }

  /// Whether the bits consumed end inside the segment's last byte (or nothing was consumed
  /// from an empty segment).
  func endsIn(start: Int, end: Int) -> Bool {
    let consumed = bitPosition - 8 * start
    let length = end - start
    return consumed <= 8 * length && consumed > 8 * (length - 1)
  }
}
