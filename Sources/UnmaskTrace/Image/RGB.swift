/// An 8-bit sRGB colour.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
  /// Red, 0...255.
  public var r: UInt8
  /// Green, 0...255.
  public var g: UInt8
  /// Blue, 0...255.
  public var b: UInt8

  /// A colour from its three channels.
  public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
    self.r = r
    self.g = g
    self.b = b
  }

  /// A colour from `0xRRGGBB`.
  public init(hex: UInt32) {
    self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
  }

  /// `#rrggbb`, as SVG and CSS write it.
  public var description: String {
    let digits = Array("0123456789abcdef")
    var text = "#"
    for channel in [r, g, b] {
      text.append(digits[Int(channel >> 4)])
      text.append(digits[Int(channel & 0xF)])
    }
    return text
  }

  /// Linear blend: `self` at `t = 0`, `other` at `t = 1` (rounded to nearest).
  public func mixed(with other: RGB, _ t: Double) -> RGB {
    let t = min(max(t, 0), 1)
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
      UInt8((Double(a) * (1 - t) + Double(b) * t).rounded())
    }
    return RGB(mix(r, other.r), mix(g, other.g), mix(b, other.b))
  }

  /// Relative luminance (Rec. 709 weights on the 8-bit values), used to pick black or white text.
  public var luminance: Double {
    (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255
  }

  /// Black on light colours, white on dark ones.
  public var contrastingText: RGB { luminance > 0.5 ? .black : .white }

  /// Pure black.
  public static let black = RGB(0, 0, 0)
  /// Pure white.
  public static let white = RGB(255, 255, 255)
}
