/// confidence.png and entropy.png: the step x position grid coloured by a per-position score
/// through a colour map, with a colour bar. Cells where the position was not masked when the
/// step began (NaN) are drawn in `notMaskedColor`; aggregated cells show the mean of their
/// finite values.
public enum ScalarGridRenderer {
  /// Cells without a score (the position was not masked when the step began).
  public static let notMaskedColor = RGB(hex: 0xF0F0F0)

  /// Which score to draw.
  public enum Quantity: String, Sendable {
    /// Probability of the proposed token, on `[0, 1]`.
    case confidence
    /// Entropy in nats, on `[0, max over the trace]`.
    case entropy
  }

  /// The value range mapped onto the colour map.
  public static func range(of quantity: Quantity, in trace: Trace) -> ClosedRange<Double> {
    switch quantity {
    case .confidence:
      return 0...1
    case .entropy:
      let top = trace.entropy.values.reduce(Float(0)) { $1.isFinite ? max($0, $1) : $0 }
      return 0...(top > 0 ? Double(top) : 1)
    }
  }

  /// Colour of `value` for `quantity` in `trace` (what a single-cell grid shows).
  public static func color(
    _ value: Float, range: ClosedRange<Double>, colorMap: ColorMap
  ) -> RGB {
    guard value.isFinite else { return notMaskedColor }
    let span = range.upperBound - range.lowerBound
    return colorMap.color((Double(value) - range.lowerBound) / (span > 0 ? span : 1))
  }

  /// Frame, colour bar and legend of the figure.
  static func parts(for trace: Trace, quantity: Quantity, options: FigureOptions) throws
    -> (GridChrome, ColorBar, Legend)
  {
    let layout = try GridLayout.make(for: trace, options: options)
    let bar = ColorBar(
      colorMap: options.colorMap, range: range(of: quantity, in: trace),
      height: max(layout.height, 60), caption: quantity == .confidence ? "p" : "nats")
    let legend = Legend(entries: [Legend.Entry(colors: [notMaskedColor], label: "not masked")])
    let chrome = GridChrome(
      layout: layout, title: "\(trace.run.strategy): \(quantity.rawValue) - \(trace.run.model)",
      rightPanel: 12 + bar.width, legendWidth: legend.width, legendHeight: legend.height)
    return (chrome, bar, legend)
  }

  /// Draws `quantity` of `trace`.
  public static func render(
    _ trace: Trace, quantity: Quantity, options: FigureOptions = FigureOptions()
  ) throws -> PNGImage {
    let (chrome, bar, legend) = try parts(for: trace, quantity: quantity, options: options)
    let layout = chrome.layout
    let matrix = quantity == .confidence ? trace.confidence : trace.entropy
    let range = bar.range
    var image = chrome.makeImage()
    for row in 0..<layout.rows {
      let steps = layout.stepRange(row: row)
      for column in 0..<layout.columns {
        let positions = layout.positionRange(column: column)
        let value: Float
        if steps.count == 1 && positions.count == 1 {
          value = matrix[steps.lowerBound, positions.lowerBound]
        } else {
          var sum: Float = 0
          var count = 0
          for s in steps {
            for p in positions where matrix[s, p].isFinite {
              sum += matrix[s, p]
              count += 1
            }
          }
          value = count > 0 ? sum / Float(count) : .nan
        }
        image.fill(
          x: chrome.gridX + column * layout.cell, y: chrome.gridY + row * layout.cell,
          width: layout.cell, height: layout.cell,
          color(value, range: range, colorMap: options.colorMap))
      }
    }
    chrome.drawBoundaries(for: trace, into: &image)
    bar.draw(x: chrome.gridX + layout.width + 12, y: chrome.gridY, into: &image)
    legend.draw(x: chrome.gridX, y: chrome.legendY, into: &image)
    return image
  }
}
