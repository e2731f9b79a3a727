/// GPT-2's reversible byte ↔ printable-character table (`bytes_to_unicode` in GPT-2's
/// encoder.py, `BYTES_CHAR` in `tokenizers`): printable Latin-1 bytes map to themselves and the
/// other 68 bytes to U+0100 onwards, so every byte string becomes a string of visible characters.
enum ByteLevelAlphabet {
  /// `byteToScalar[b]` is the character that stands for byte `b`.
  static let byteToScalar: [Unicode.Scalar] = {
    var table = [Unicode.Scalar](repeating: " ", count: 256)
    var n: UInt32 = 0
    for b in 0..<256 {
      let printable =
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
      if printable {
        table[b] = Unicode.Scalar(UInt8(b))
      } else {
        table[b] = Unicode.Scalar(256 + n) ?? " "
        n += 1
      }
    }
    return table
  }()

  /// The inverse of `byteToScalar`, indexed by scalar value (all are below U+0144).
  static let scalarToByte: [Int16] = {
    var table = [Int16](repeating: -1, count: 0x144)
    for (b, s) in byteToScalar.enumerated() { table[Int(s.value)] = Int16(b) }
    return table
  }()

  /// The UTF-8 encoding of each byte's stand-in character, packed: low byte first, and the
  /// length (1 or 2) in bits 16...
  private static let byteToUTF8: [UInt32] = byteToScalar.map { scalar in
    let bytes = Array(String(Character(scalar)).utf8)
    return bytes.count == 1
      ? UInt32(bytes[0]) | 1 << 16 : UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | 2 << 16
  }

  /// Maps the UTF-8 bytes of `text` to their stand-in characters.
  static func encode(_ text: Substring) -> String {
    let count = text.utf8.count
    return String(unsafeUninitializedCapacity: count * 2) { buffer in
      var n = 0
      for b in text.utf8 {
        let packed = byteToUTF8[Int(b)]
        buffer[n] = UInt8(truncatingIfNeeded: packed)
        if packed >> 16 == 2 {
          buffer[n + 1] = UInt8(truncatingIfNeeded: packed >> 8)
          n += 2
        } else {
          n += 1
        }
      }
      return n
    }
  }

  /// The byte that `scalar` stands for, or nil when it is not in the table.
  @inline(__always) static func byte(for scalar: Unicode.Scalar) -> UInt8? {
    let v = Int(scalar.value)
    guard v < scalarToByte.count else { return nil }
    let b = scalarToByte[v]
    return b < 0 ? nil : UInt8(b)
  }
}
