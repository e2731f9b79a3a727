/// Where decoded rANS symbols go: a plane, or straight into bf16 elements.
protocol RANSSink {
  func put(_ index: Int, _ symbol: UInt8)
}

/// Symbols into a byte plane.
struct PlaneSink: RANSSink {
  let out: UnsafeMutablePointer<UInt8>
  @inline(__always) func put(_ index: Int, _ symbol: UInt8) { out[index] = symbol }
}

/// Exponent symbols joined with a raw mantissa plane into rotated 16-bit floats: the common
/// bf16 case, fused so the planes are never written out and merged in a second pass.
struct Rotated16Sink: RANSSink {
  let low: UnsafePointer<UInt8>
  let out: UnsafeMutablePointer<UInt16>
  @inline(__always) func put(_ index: Int, _ symbol: UInt8) {
    let v = UInt16(symbol) << 8 | UInt16(low[index])
    out[index] = ((v >> 1) | (v << 15)).littleEndian
  }
}

extension RANS {
  /// Encodes `count` bytes at `data` into `out` (capacity `capacity`); returns the stream
  /// length, or nil if it would exceed `limit` bytes (the caller then stores the plane raw).
  static func encode(
    _ data: UnsafePointer<UInt8>, count: Int, histogram: [Int],
    into out: UnsafeMutablePointer<UInt8>, capacity: Int, limit: Int
  ) -> Int? {
    guard count > 0 else { return nil }
    let freq = normalize(histogram, count: count)
    var start = [UInt32](repeating: 0, count: 256)
    var xMax = [UInt64](repeating: 0, count: 256)
    var present = 0
    var total: UInt32 = 0
    for s in 0..<256 where freq[s] > 0 {
      start[s] = total
      // x must stay below 2^32 after encoding: x < ((L >> 12) << 16) * freq.
      xMax[s] = UInt64((lower >> scaleBits) << 16) * UInt64(freq[s])
      total += UInt32(freq[s])
      present += 1
    }
    let headLength = 2 + 3 * present + 16
    guard capacity >= headLength + 2 * count + 8 else { return nil }
    // Renormalization words are written backwards from the end of `out`.
    let end = out + capacity
    var ptr = end
    let floor = end - max(0, min(limit, capacity) - headLength)
    var x0 = lower, x1 = lower, x2 = lower, x3 = lower
    let ok: Bool = freq.withUnsafeBufferPointer { freq in
      start.withUnsafeBufferPointer { start in
        xMax.withUnsafeBufferPointer { xMax in
          @inline(__always) func put(_ x: inout UInt32, _ byte: UInt8) {
            let s = Int(byte)
            var v = x
            if UInt64(v) >= xMax[s] {
              ptr -= 2
              UnsafeMutableRawPointer(ptr).storeBytes(
                of: UInt16(truncatingIfNeeded: v).littleEndian, as: UInt16.self)
              v >>= 16
            }
            let f = UInt32(truncatingIfNeeded: freq[s])
            x = (v / f) << scaleBits &+ (v % f) &+ start[s]
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
      }
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
  /// malformed (bad table, out of words, bytes left over, or final states not back at `L`).
  static func decode(
    _ stream: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<UInt8>
  ) -> Bool {
    decode(stream, count: count, sink: PlaneSink(out: out))
  }

  /// Decodes into any sink; specialized per sink type.
  @inline(__always)
  static func decode<Sink: RANSSink>(_ stream: UnsafeRawBufferPointer, count: Int, sink: Sink)
    -> Bool
  {
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
        // Slot entry: symbol | (slot - start) << 8 | (frequency - 1) << 20.
        for slot in start..<(start + frequency) {
          slots[slot] = UInt32(symbol) | UInt32(slot - start) << 8 | UInt32(frequency - 1) << 20
        }
        start += frequency
      }
      guard start == scale else { return false }
      var states: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
      guard let s0 = try? r.u32("state"), let s1 = try? r.u32("state"),
        let s2 = try? r.u32("state"),
        let s3 = try? r.u32("state"), min(s0, s1, s2, s3) >= lower
      else { return false }
      states = (s0, s1, s2, s3)
      guard let base = stream.baseAddress else { return false }
      var p = base + r.offset
      let end = base + stream.count
      guard (end - p) % 2 == 0 else { return false }
      var (x0, x1, x2, x3) = states
      guard let tableBase = slots.baseAddress else { return false }
      let table = UnsafePointer(tableBase)
      let lower = RANS.lower
      // One step: x stays in [2^16, 2^32) and then may need one 16-bit word. The four states
      // decode independently; their words are then taken, in state order, from one 8-byte
      // load with shifts, so no load waits on another state's renormalization.
      @inline(__always) func decodeStep(_ x: inout UInt32, _ i: Int) {
        let e = table[Int(x & 0xFFF)]
        x = ((e >> 20) &+ 1) &* (x >> 12) &+ ((e >> 8) & 0xFFF)
        sink.put(i, UInt8(truncatingIfNeeded: e))
      }
      @inline(__always) func refill(_ x: inout UInt32, _ words: UInt64, _ shift: inout UInt64) {
        let need = x < lower
        let word = UInt32(truncatingIfNeeded: words >> shift) & 0xFFFF
        x = need ? (x << 16) | word : x
        shift &+= need ? 16 : 0
      }
      var i = 0
      let n4 = count & ~3
      while i < n4 && end - p >= 8 {
        decodeStep(&x0, i)
        decodeStep(&x1, i + 1)
        decodeStep(&x2, i + 2)
        decodeStep(&x3, i + 3)
        let words = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        var shift: UInt64 = 0
        refill(&x0, words, &shift)
        refill(&x1, words, &shift)
        refill(&x2, words, &shift)
        refill(&x3, words, &shift)
        p += Int(shift >> 3)
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
        let e = table[Int(x & 0xFFF)]
        x = ((e >> 20) &+ 1) &* (x >> 12) &+ ((e >> 8) & 0xFFF)
        sink.put(i, UInt8(truncatingIfNeeded: e))
        if x < lower {
          guard end - p >= 2 else { return false }
          x = (x << 16) | UInt32(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
          p += 2
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
