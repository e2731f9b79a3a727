/// GIF's variable-width LZW (codes of 9 to 12 bits for 8-bit pixels, packed LSB first), with a
/// clear code at the start and whenever the 4096-entry table fills.
///
/// The string table is a flat `[prefix << 8 | byte]` array stamped with a generation, so a
/// clear costs O(1) and one encoder reuses its 4 MiB table across all frames of a GIF.
struct LZW {
  private var table = [UInt32](repeating: 0, count: 4096 << 8)
  private var generation: UInt32 = 0

  /// Compresses `indices` (each below `1 << minimumCodeSize`) with a throwaway encoder.
  static func encode(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    var encoder = LZW()
    return encoder.encode(indices, minimumCodeSize: minimumCodeSize)
  }

  /// Starts a fresh string table.
  private mutating func reset() {
    generation += 1
    if generation == 1 << 20 {  // stamps exhausted: wipe the table
      table = [UInt32](repeating: 0, count: 4096 << 8)
      generation = 1
    }
  }

  /// Compresses `indices` (each below `1 << minimumCodeSize`).
  mutating func encode(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    reset()
    let clear = 1 << minimumCodeSize
    let end = clear + 1
    var codeSize = minimumCodeSize + 1
    var next = end + 1
    var output: [UInt8] = []
    output.reserveCapacity(indices.count / 2 + 16)
    var buffer = 0
    var bits = 0
    func emit(_ code: Int) {
      buffer |= code << bits
      bits += codeSize
      while bits >= 8 {
        output.append(UInt8(buffer & 0xFF))
        buffer >>= 8
        bits -= 8
      }
    }
    emit(clear)
    guard let first = indices.first else {
      emit(end)
      if bits > 0 { output.append(UInt8(buffer & 0xFF)) }
      return output
    }
    var prefix = Int(first)
    for byte in indices.dropFirst() {
      let key = prefix << 8 | Int(byte)
      let entry = table[key]
      if entry >> 12 == generation {
        prefix = Int(entry & 0xFFF)
        continue
      }
      emit(prefix)
      if next < 4096 {
        table[key] = generation << 12 | UInt32(next)
        // Grow when the code just assigned no longer fits (the decoder grows in step).
        if next == (1 << codeSize) && codeSize < 12 { codeSize += 1 }
        next += 1
      } else {
        emit(clear)
        reset()
        codeSize = minimumCodeSize + 1
        next = end + 1
      }
      prefix = Int(byte)
    }
    emit(prefix)
    emit(end)
    if bits > 0 { output.append(UInt8(buffer & 0xFF)) }
    return output
  }
}
