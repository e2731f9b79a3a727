extension Huffman {
  /// Encodes `count` bytes at `data` (whose byte counts are `histogram`) into `out`, which has
  /// room for `capacity` bytes; returns the stream length, or nil if it would exceed `limit`
  /// (the caller then keeps another codec).
  static func encode(
    _ data: UnsafePointer<UInt8>, count: Int, histogram: [Int],
    into out: UnsafeMutablePointer<UInt8>, capacity: Int, limit: Int
  ) -> Int? {
    guard count > 0 else { return nil }
    let lengths = codeLengths(histogram)
    let table = tableBytes(lengths)
    if table.isEmpty {  // one symbol: the plane is that byte repeated
      guard limit >= 2, capacity >= 2 else { return nil }
      out[0] = data[0]
      out[1] = data[0]
      return 2
    }
    let head = table.count + 4 * (segments - 1)
    // Worst case: every symbol at the longest code, plus 8 bytes of slack for whole-word stores.
    let perSegment = (count + segments - 1) / segments
    guard capacity >= head + segments * ((perSegment * maximumLength + 7) / 8) + 8 else {
      return nil
    }
    let codes = reversedCodes(lengths)
    // Code and length in one word per symbol: code in the low 32 bits, length above.
    var packed = [UInt64](repeating: 0, count: 256)
    for s in 0..<256 { packed[s] = UInt64(codes[s]) | UInt64(lengths[s]) << 32 }
    var position = head
    var segmentLengths: [Int] = []
    for k in 0..<segments {
      let range = segmentRange(k, count: count)
      let start = position
      packed.withUnsafeBufferPointer { packed in
        guard let table = packed.baseAddress else { return }  // 256 entries: never nil
        position = encodeSegment(
          data + range.lowerBound, count: range.count, packed: table, into: out, at: position)
      }
      segmentLengths.append(position - start)
      if position > limit { return nil }
    }
    for (k, byte) in table.enumerated() { out[k] = byte }
    for k in 0..<(segments - 1) {
      let value = UInt32(segmentLengths[k]).littleEndian
      UnsafeMutableRawPointer(out + table.count + 4 * k).storeBytes(of: value, as: UInt32.self)
    }
    return position
  }

  /// Writes one segment's bits from byte `position` of `out`; returns the end position.
  /// Stores whole 8-byte words, so up to 8 bytes past the end are overwritten (the caller's
  /// capacity check leaves room; the next segment starts there and overwrites them).
  @inline(__always)
  private static func encodeSegment(
    _ data: UnsafePointer<UInt8>, count: Int, packed: UnsafePointer<UInt64>,
    into out: UnsafeMutablePointer<UInt8>, at position: Int
  ) -> Int {
    var p = out + position
    var bits: UInt64 = 0
    var filled: UInt64 = 0  // valid bits in `bits`, at most 7 after a flush
    @inline(__always) func put(_ symbol: UInt8) {
      let e = packed[Int(symbol)]
      bits |= (e & 0xFFFF_FFFF) &<< filled
      filled &+= e &>> 32
    }
    @inline(__always) func flush() {
      UnsafeMutableRawPointer(p).storeBytes(of: bits.littleEndian, as: UInt64.self)
      let whole = filled &>> 3
      p += Int(whole)
      bits = bits &>> (whole &<< 3)  // whole <= 7: at most 62 bits were filled
      filled &= 7
    }
    // Five codes of at most 11 bits on top of at most 7 leftover bits fit in 64.
    var i = 0
    while i + 5 <= count {
      put(data[i])
      put(data[i + 1])
      put(data[i + 2])
      put(data[i + 3])
      put(data[i + 4])
      flush()
      i += 5
    }
    while i < count {
      put(data[i])
      flush()
      i += 1
    }
    if filled > 0 {
      p.pointee = UInt8(truncatingIfNeeded: bits)
      p += 1
    }
    return p - out
  }
}
