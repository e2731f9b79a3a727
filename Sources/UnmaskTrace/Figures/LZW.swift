/// GIF's variable-width LZW (codes of `minimumCodeSize + 1` to 12 bits, packed LSB first), with
/// a clear code at the start and whenever the 4096-entry table fills.
///
/// The string table is a flat `[prefix << minimumCodeSize | index]` array stamped with a
/// generation, so a clear costs O(1) and one encoder reuses its table across all frames of a
/// GIF. A palette of a few colours gives a small code size and so a small table (256 KiB at 4
/// bits, against 4 MiB at 8), which stays in cache and is cheap to allocate.
struct LZW {
  /// Bits per input index (2 to 8); the GIF stores it before each frame's data.
  let minimumCodeSize: Int
  private var table: [UInt32]
  private var generation: UInt32 = 0

  /// An encoder for indices below `1 << minimumCodeSize` (clamped to GIF's 2...8).
  init(minimumCodeSize: Int) {
    self.minimumCodeSize = min(max(minimumCodeSize, 2), 8)
    table = [UInt32](repeating: 0, count: 4096 << self.minimumCodeSize)
  }

  /// Compresses `indices` (each below `1 << minimumCodeSize`) with a throwaway encoder.
  static func encode(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    var encoder = LZW(minimumCodeSize: minimumCodeSize)
    return encoder.encode(indices)
  }

  /// Starts a fresh string table: a new stamp, so every entry reads as empty.
  private static func reset(_ table: UnsafeMutableBufferPointer<UInt32>, _ generation: inout UInt32)
  {
    generation += 1
    if generation == 1 << 20 {  // stamps exhausted: wipe the table
      table.update(repeating: 0)
      generation = 1
    }
  }

  /// Compresses `indices` (each below `1 << minimumCodeSize`).
  mutating func encode(_ indices: [UInt8]) -> [UInt8] {
    let symbolBits = minimumCodeSize
    let clear = 1 << symbolBits
    let end = clear + 1
    var codeSize = symbolBits + 1
    var next = end + 1
    var writer = CodeWriter(capacity: indices.count / 2 + 16)
    writer.write(clear, bits: codeSize)
    guard let first = indices.first else {
      writer.write(end, bits: codeSize)
      return writer.finish()
    }
    var prefix = Int(first)
    var generation = self.generation
    // Unchecked access in the per-pixel loop: keys are below `table.count` because indices are
    // below `1 << symbolBits` and codes below 4096.
    table.withUnsafeMutableBufferPointer { table in
      LZW.reset(table, &generation)
      indices.withUnsafeBufferPointer { indices in
        for byte in indices.dropFirst() {
          let key = prefix << symbolBits | Int(byte)
          let entry = table[key]
          if entry >> 12 == generation {
            prefix = Int(entry & 0xFFF)
            continue
          }
          writer.write(prefix, bits: codeSize)
          if next < 4096 {
            table[key] = generation << 12 | UInt32(next)
            // Grow when the code just assigned no longer fits (the decoder grows in step).
            if next == (1 << codeSize) && codeSize < 12 { codeSize += 1 }
            next += 1
          } else {
            writer.write(clear, bits: codeSize)
            LZW.reset(table, &generation)
            codeSize = symbolBits + 1
            next = end + 1
          }
          prefix = Int(byte)
        }
      }
    }
    self.generation = generation
    writer.write(prefix, bits: codeSize)
    writer.write(end, bits: codeSize)
    return writer.finish()
  }

  /// Packs codes LSB first into bytes; a plain struct so the hot loop keeps it in registers.
  private struct CodeWriter {
    var output: [UInt8] = []
    var buffer = 0
    var count = 0

    init(capacity: Int) { output.reserveCapacity(capacity) }

    mutating func write(_ code: Int, bits: Int) {
      buffer |= code << count
      count += bits
      while count >= 8 {
        output.append(UInt8(truncatingIfNeeded: buffer))
        buffer >>= 8
        count -= 8
      }
    }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
      if count > 0 { output.append(UInt8(truncatingIfNeeded: buffer)) }
      return output
    }
  }
}
