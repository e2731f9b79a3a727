/// A perceptual colour map: 256 RGB entries sampled by a value in `[0, 1]`.
public enum ColorMap: String, CaseIterable, Sendable {
  /// matplotlib's default: dark blue to yellow, perceptually uniform, colour-blind safe.
  case viridis
  /// Black through purple to light yellow.
  case magma
  /// Black to white.
  case gray

  /// The 256-entry table, `[r0, g0, b0, r1, ...]`.
  var table: [UInt8] {
    switch self {
    case .viridis: return ColorMap.viridisTable
    case .magma: return ColorMap.magmaTable
    case .gray: return (0..<768).map { UInt8($0 / 3) }
    }
  }

  /// Entry `index` (clamped to 0...255).
  public func color(index: Int) -> RGB {
    let i = min(max(index, 0), 255) * 3
    let table = self.table
    return RGB(table[i], table[i + 1], table[i + 2])
  }

  /// The colour of `value` in `[0, 1]` (clamped): entry `round(value * 255)`, as matplotlib's
  /// `ListedColormap` picks it for 256 entries up to the half-step rounding.
  public func color(_ value: Double) -> RGB {
    guard value.isFinite else { return color(index: 0) }
    return color(index: Int((min(max(value, 0), 1) * 255).rounded()))
  }
}
