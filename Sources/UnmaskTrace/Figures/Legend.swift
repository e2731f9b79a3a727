/// A one-row legend of colour swatches with labels, drawn with the bitmap font.
struct Legend {
  /// One entry: a swatch (one colour, or a left-to-right ramp) and its label.
  struct Entry {
    var colors: [RGB]
    var label: String
  }

  var entries: [Entry]

  static let swatch = 10
  static let gap = 12

  /// The heatmap's legend.
  static let heatmap = Legend(entries: [
    Entry(colors: [HeatmapRenderer.promptColor], label: "prompt"),
    Entry(colors: [HeatmapRenderer.maskedColor], label: "masked"),
    Entry(colors: [HeatmapRenderer.committedNowColor], label: "committed this step"),
    Entry(
      colors: (0..<5).map { HeatmapRenderer.committedEarlierColor(step: $0, steps: 5) },
      label: "committed earlier (early..late)"),
    Entry(colors: [HeatmapRenderer.remaskedColor], label: "remasked"),
    Entry(colors: [RGB(hex: 0x2CA02C)], label: "prompt end"),
    Entry(colors: [GridChrome.ink], label: "block"),
  ])

  private static func swatchWidth(_ entry: Entry) -> Int { swatch * max(entry.colors.count, 1) }

  /// Total width of the row.
  var width: Int {
    entries.reduce(0) {
      $0 + Legend.swatchWidth($1) + 4 + GridChrome.font.width(of: $1.label) + Legend.gap
    }
  }

  /// Height of the row.
  var height: Int { max(Legend.swatch, GridChrome.font.lineHeight) }

  /// Draws the row with its top-left corner at `(x, y)`.
  func draw(x: Int, y: Int, into image: inout PNGImage) {
    var penX = x
    for entry in entries {
      for (i, color) in entry.colors.enumerated() {
        image.fill(
          x: penX + i * Legend.swatch, y: y, width: Legend.swatch, height: Legend.swatch, color)
      }
      let w = Legend.swatchWidth(entry)
      image.strokeRect(x: penX, y: y, width: w, height: Legend.swatch, GridChrome.subtle)
      penX += w + 4
      GridChrome.font.draw(entry.label, x: penX, y: y + 2, color: GridChrome.ink, into: &image)
      penX += GridChrome.font.width(of: entry.label) + Legend.gap
    }
  }
}
