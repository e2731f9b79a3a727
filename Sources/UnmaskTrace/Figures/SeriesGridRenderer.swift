import Foundation

/// Draws a `StepSeries` summed over the run as a heatmap grid (expert load: one row per
/// mixture-of-experts layer, one column per expert, colour = tokens routed, viridis from 0 to
/// the busiest cell), titled with its name and axis labels.
enum SeriesGridRenderer {
  static func render(
    _ totals: [Double], rows: Int, columns: Int, title: String, rowLabel: String,
    columnLabel: String
  ) -> PNGImage {
    let font = BitmapFont(scale: 1)
    let cell = max(2, min(16, 960 / max(columns, 1)))
    let left = 16
    let top = 28
    let width = left + columns * cell + 8
    let height = top + rows * cell + 20
    var image = PNGImage(width: max(width, font.width(of: title) + 16), height: height)
    let peak = max(totals.max() ?? 0, 1)
    for r in 0..<rows {
      for c in 0..<columns where r * columns + c < totals.count {
        let value = totals[r * columns + c] / peak
        image.fill(
          x: left + c * cell, y: top + r * cell, width: cell, height: cell,
          ColorMap.viridis.color(value))
      }
    }
    font.draw(title + " (max \(Int(peak)))", x: 4, y: 4, color: .black, into: &image)
    font.draw(columnLabel + " ->", x: left, y: top - 12, color: .black, into: &image)
    font.drawVertical(rowLabel, x: 2, y: top, color: .black, into: &image)
    return image
  }
}
