/// A vertical colour bar: the map from `range.upperBound` (top) to `range.lowerBound`
/// (bottom), with labels at both ends and the middle.
struct ColorBar {
  var colorMap: ColorMap
  var range: ClosedRange<Double>
  var height: Int
  var caption: String

  static let barWidth = 12

  /// Bar plus its labels.
  var width: Int { ColorBar.barWidth + 4 + GridChrome.font.width(of: "0.000") }

  /// Three-significant-digit label.
  static func label(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    var text = String(rounded)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
  }

  /// Draws the bar with its top-left corner at `(x, y)`.
  func draw(x: Int, y: Int, into image: inout PNGImage) {
    let font = GridChrome.font
    for row in 0..<height {
      let t = height > 1 ? 1 - Double(row) / Double(height - 1) : 1
      image.fill(x: x, y: y + row, width: ColorBar.barWidth, height: 1, colorMap.color(t))
    }
    image.strokeRect(
      x: x - 1, y: y - 1, width: ColorBar.barWidth + 2, height: height + 2, GridChrome.ink)
    let middle = (range.lowerBound + range.upperBound) / 2
    for (value, offset) in [
      (range.upperBound, 0), (middle, height / 2), (range.lowerBound, height - 1),
    ] {
      image.fill(x: x + ColorBar.barWidth + 1, y: y + offset, width: 2, height: 1, GridChrome.ink)
      font.draw(
        ColorBar.label(value), x: x + ColorBar.barWidth + 4, y: y + offset - font.glyphHeight / 2,
        color: GridChrome.ink, into: &image)
    }
    font.draw(caption, x: x, y: y + height + 4, color: GridChrome.subtle, into: &image)
  }
}
