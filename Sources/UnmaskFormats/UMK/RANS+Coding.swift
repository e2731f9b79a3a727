extension RANS {
  /// Precomputed encoder constants for one symbol (Giesen's reciprocal trick: the division
  /// `x / freq` becomes a multiply and a shift).
  struct EncoderSymbol {
    var xMax: UInt32 = 0
    var reciprocal: UInt32 = 0
    var bias: UInt32 = 0
    var complement: UInt32 = 0
    var shift: UInt32 = 0

    init() {}

    init(start: Int, frequency: Int) {
      xMax = ((RANS.lower >> RANS.scaleBits) << 8) &* UInt32(frequency)
      complement = UInt32(RANS.scale - frequency)
      if frequency < 2 {
        reciprocal = ~0
        shift = 0
        bias = UInt32(start + RANS.scale - 1)
      } else {
        var s: UInt32 = 0
        while UInt32(frequency) > (1 << s) { s += 1 }
        reciprocal = UInt32(((UInt64(1) << (s + 31)) + UInt64(frequency) - 1) / UInt64(frequency))
        shift = s - 1
        bias = UInt32(start)
      }
    }
  }

  /// Encodes `count` bytes at `data` into `out` (capacity `capacity`); returns the stream
  /// length, or nil if it would exceed `limit` bytes (the caller then stores the plane raw).
  static func encode(
    _ data: UnsafePointer<UInt8>, count: Int, histogram: [Int],
    into out: UnsafeMutablePointer<UInt8>, capacity: Int, limit: Int
  ) -> Int? {
    guard count > 0 else { return nil }
    let freq = normalize(histogram, count: count)
    var symbols = [EncoderSymbol](repeating: EncoderSymbol(), count: 256)
    var present = 0
    var start = 0
    for s in 0..<256 where freq[s] > 0 {
      symbols[s] = EncoderSymbol(start: start, frequency: freq[s])
      start += freq[s]
      present += 1
    }
    let tableLength = 2 + 3 * present
    let headLength = tableLength + 16
    guard capacity >= headLength + 2 * count + 8 else { return nil }
    // Renormalization bytes are written backwards from the end of `out`.
    let end = out + capacity
    var ptr = end
    let floor = end - max(0, min(limit, capacity) - headLength)
    var x0 = lower, x1 = lower, x2 = lower, x3 = lower
    let ok: Bool = symbols.withUnsafeBufferPointer { table in
      @inline(__always) func put(_ x: inout UInt32, _ byte: UInt8) {
        let s = table[Int(byte)]
        var v = x
        while v >= s.xMax {
          ptr -= 1
          ptr.pointee = UInt8(truncatingIfNeeded: v)
          v >>= 8
        }
        let q = UInt32(truncatingIfNeeded: (UInt64(v) &* UInt64(s.reciprocal)) >> 32) >> s.shift
        x = v &+ s.bias &+ q &* s.complement
      }
      let n4 = count & ~3
      var i = count - 1
      while i >= n4 {
        switch i & 3 {
        case 0: put(&x0, data[i])
        case 1: put(&x1, data[i])
        default: put(&x2, data[i])
        }
        i -= 1
      }
      var b = n4 - 4
      while b >= 0 {
        put(&x3, data[b + 3])
        put(&x2, data[b + 2])
        put(&x1, data[b + 1])
        put(&x0, data[b])
        if ptr < floor { return false }
        b -= 4
      }
      return true
    }
    guard ok else { return nil }
    let body = end - ptr
    guard headLength + body <= limit else { return nil }
    var w = ByteWriter()
    w.u16(UInt16(present))
    for s in 0..<256 where freq[s] > 0 {
      w.u8(UInt8(s))
      w.u16(UInt16(freq[s]))
    }
    for x in [x0, x1, x2, x3] { w.u32(x) }
    for (k, byte) in w.bytes.enumerated() { out[k] = byte }
    UnsafeMutableRawPointer(out + headLength).copyMemory(from: ptr, byteCount: body)  // memmove
    return headLength + body
  }

  /// Decodes a stream made by `encode` into exactly `count` bytes; false if the stream is
  /// malformed (bad table, out of bytes, bytes left over, or final states not back at `L`).
  static func decode(_ stream: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<UInt8>) -> Bool {
    var r = ByteReader(stream)
    guard let present = try? r.u16("symbols"), present >= 1, present <= 256 else { return false }
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: scale) { slots -> Bool in
      var start = 0
      var previous = -1
      for _ in 0..<Int(present) {
        guard let symbol = try? r.u8("symbol"), let f = try? r.u16("frequency"),
          Int(symbol) > previous, f >= 1, start + Int(f) <= scale
        else { return false }
        previous = Int(symbol)
        let frequency = Int(f)
        for slot in start..<(start + frequency) {
          slots[slot] = UInt32(symbol) | UInt32(slot - start) << 8 | UInt32(frequency - 1) << 20
        }
        start += frequency
      }
      guard start == scale else { return false }
      var states: [UInt32] = []
      for _ in 0..<4 {
        guard let x = try? r.u32("state"), x >= lower, x < lower << 8 else { return false }
        states.append(x)
      }
      guard let base = stream.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
      var p = base + r.offset
      let end = base + stream.count
      var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
      let lower = RANS.lower
      @inline(__always) func step(_ x: inout UInt32) -> UInt8 {
        let e = slots[Int(x & 0xFFF)]
        x = ((e >> 20) &+ 1) &* (x >> 12) &+ ((e >> 8) & 0xFFF)
        return UInt8(truncatingIfNeeded: e)
      }
      var i = 0
      let n4 = count & ~3
      // Fast path: each state reads at most 2 bytes per symbol, so 8 bytes cover a block.
      while i < n4 && end - p >= 8 {
        out[i] = step(&x0)
        while x0 < lower { x0 = x0 << 8 | UInt32(p.pointee); p += 1 }
        out[i + 1] = step(&x1)
        while x1 < lower { x1 = x1 << 8 | UInt32(p.pointee); p += 1 }
        out[i + 2] = step(&x2)
        while x2 < lower { x2 = x2 << 8 | UInt32(p.pointee); p += 1 }
        out[i + 3] = step(&x3)
        while x3 < lower { x3 = x3 << 8 | UInt32(p.pointee); p += 1 }
        i += 4
      }
      // Checked path for the tail of the stream.
      while i < count {
        var x: UInt32
        switch i & 3 {
        case 0: x = x0
        case 1: x = x1
        case 2: x = x2
        default: x = x3
        }
        out[i] = step(&x)
        while x < lower {
          guard p < end else { return false }
          x = x << 8 | UInt32(p.pointee)
          p += 1
        }
        switch i & 3 {
        case 0: x0 = x
        case 1: x1 = x
        case 2: x2 = x
        default: x3 = x
        }
        i += 1
      }
      return p == end && x0 == lower && x1 == lower && x2 == lower && x3 == lower
    }
  }
}
