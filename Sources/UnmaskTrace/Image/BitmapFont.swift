/// A built-in 5x7 ASCII bitmap font, so figures carry axis labels and legends without FreeType.
///
/// Each glyph is 5 pixels wide and 7 tall on a 6 x 9 advance (one column and two rows of
/// spacing); `scale` multiplies every pixel so text stays sharp at any integer size. Characters
/// outside printable ASCII draw as `?`.
public struct BitmapFont: Sendable {
  /// Integer pixel multiplier (1 = 5x7 glyphs).
  public var scale: Int

  /// A font drawing each glyph pixel as a `scale x scale` square.
  public init(scale: Int = 1) {
    self.scale = max(scale, 1)
  }

  /// Horizontal advance of one character, in pixels.
  public var advance: Int { 6 * scale }
  /// Height of one line of text including spacing, in pixels.
  public var lineHeight: Int { 9 * scale }
  /// Height of a glyph's ink, in pixels.
  public var glyphHeight: Int { 7 * scale }

  /// Width in pixels of `text` on one line (no trailing spacing column).
  public func width(of text: String) -> Int {
    let count = text.unicodeScalars.count
    return count == 0 ? 0 : count * advance - scale
  }

  /// Draws `text` with its top-left corner at `(x, y)`.
  public func draw(_ text: String, x: Int, y: Int, color: RGB, into image: inout PNGImage) {
    var penX = x
    for scalar in text.unicodeScalars {
      let rows = BitmapFont.glyph(scalar)
      for (row, bits) in rows.enumerated() where bits != 0 {
        for column in 0..<5 where bits & (0x10 >> column) != 0 {
          image.fill(
            x: penX + column * scale, y: y + row * scale, width: scale, height: scale, color)
        }
      }
      penX += advance
    }
  }

  /// Draws `text` rotated 90 degrees counter-clockwise (reading bottom to top), its
  /// bounding box's top-left corner at `(x, y)`; used for vertical axis titles.
  public func drawVertical(_ text: String, x: Int, y: Int, color: RGB, into image: inout PNGImage) {
    let length = width(of: text)
    var offset = 0
    for scalar in text.unicodeScalars {
      let rows = BitmapFont.glyph(scalar)
      for (row, bits) in rows.enumerated() where bits != 0 {
        for column in 0..<5 where bits & (0x10 >> column) != 0 {
          // Glyph pixel (column, row) goes to (row, length - 1 - (offset + column)).
          image.fill(
            x: x + row * scale, y: y + length - (offset + column + 1) * scale, width: scale,
            height: scale, color)
        }
      }
      offset += 6
    }
  }

  /// Replaces characters the font lacks with `?` (what `draw` shows for them).
  public static func printable(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { $0.value >= 32 && $0.value < 127 ? $0 : "?" }))
  }

  /// The 7 row bitmaps (low 5 bits, bit 4 = leftmost column) of `scalar`.
  static func glyph(_ scalar: Unicode.Scalar) -> [UInt8] {
    let value = Int(scalar.value)
    let index = (value >= 32 && value < 127 ? value : 63) - 32
    return Array(glyphBits[index * 7..<index * 7 + 7])
  }

  /// All glyphs, 7 bytes each, for ASCII 32 through 126, parsed once from `glyphArt`.
  static let glyphBits: [UInt8] = {
    var bits: [UInt8] = []
    bits.reserveCapacity(95 * 7)
    for art in glyphArt {
      let rows = art.split(separator: " ")
      for row in 0..<7 {
        var value: UInt8 = 0
        if row < rows.count {
          for character in rows[row] {
            value = (value << 1) | (character == "#" ? 1 : 0)
          }
        }
        bits.append(value & 0x1F)
      }
    }
    while bits.count < 95 * 7 { bits.append(0) }
    return bits
  }()
}
