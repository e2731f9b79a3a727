/// The frame around a grid figure: title, axes with ticks and labels, room for a colour bar on
/// the right and a legend below. Computes where the grid goes and draws everything but cells.
struct GridChrome {
  static let font = BitmapFont(scale: 1)
  static let ink = RGB(hex: 0x222222)
  static let subtle = RGB(hex: 0x888888)

  let layout: GridLayout
  let title: String
  /// Left edge of the grid in the image.
  let gridX: Int
  /// Top edge of the grid in the image.
  let gridY: Int
  /// Top of the legend area.
  let legendY: Int
  /// Image size.
  let width: Int
  let height: Int

  /// Reserves `rightPanel` pixels right of the grid and a `legendWidth x legendHeight` legend.
  init(layout: GridLayout, title: String, rightPanel: Int, legendWidth: Int, legendHeight: Int) {
    let font = GridChrome.font
    self.layout = layout
    self.title = BitmapFont.printable(title)
    let maxLabel = font.width(of: String(max(layout.steps.upperBound - 1, 0)))
    gridX = 4 + font.lineHeight + 4 + maxLabel + 6
    gridY = 4 + font.lineHeight + 10
    legendY = gridY + layout.height + 6 + font.lineHeight + font.lineHeight + 8
    width = max(
      gridX + layout.width + rightPanel + 10, legendWidth + 20, font.width(of: self.title) + 20)
    height = legendY + legendHeight + 8
  }

  /// A blank image of the right size with title and axes drawn.
  func makeImage() -> PNGImage {
    var image = PNGImage(width: width, height: height, background: .white)
    let font = GridChrome.font
    font.draw(title, x: gridX, y: 4, color: GridChrome.ink, into: &image)
    drawPositionAxis(into: &image)
    drawStepAxis(into: &image)
    return image
  }

  /// A round tick spacing (1, 2, 5 x 10^k) at least `minPixels` apart on screen.
  static func tickStep(pixelsPerUnit: Double, minPixels: Double) -> Int {
    var magnitude = 1
    while true {
      for factor in [1, 2, 5] where Double(factor * magnitude) * pixelsPerUnit >= minPixels {
        return factor * magnitude
      }
      if magnitude > 1_000_000_000 { return magnitude }
      magnitude *= 10
    }
  }

  private func drawPositionAxis(into image: inout PNGImage) {
    let font = GridChrome.font
    let perPixel = Double(layout.cell) / Double(layout.positionsPerCell)
    let step = GridChrome.tickStep(pixelsPerUnit: perPixel, minPixels: 36)
    let y = gridY + layout.height
    var position = (layout.positions.lowerBound + step - 1) / step * step
    while position < layout.positions.upperBound {
      let x = gridX + Int(Double(position - layout.positions.lowerBound) * perPixel + perPixel / 2)
      image.fill(x: x, y: y + 1, width: 1, height: 3, GridChrome.ink)
      let label = String(position)
      font.draw(
        label, x: x - font.width(of: label) / 2, y: y + 6, color: GridChrome.ink, into: &image)
      position += step
    }
    let caption = "position"
    font.draw(
      caption, x: gridX + max(0, (layout.width - font.width(of: caption)) / 2),
      y: y + 6 + font.lineHeight, color: GridChrome.subtle, into: &image)
  }

  private func drawStepAxis(into image: inout PNGImage) {
    let font = GridChrome.font
    let perPixel = Double(layout.cell) / Double(layout.stepsPerCell)
    let step = GridChrome.tickStep(pixelsPerUnit: perPixel, minPixels: 14)
    var row = (layout.steps.lowerBound + step - 1) / step * step
    while row < layout.steps.upperBound {
      let y = gridY + Int(Double(row - layout.steps.lowerBound) * perPixel + perPixel / 2)
      image.fill(x: gridX - 4, y: y, width: 3, height: 1, GridChrome.ink)
      let label = String(row)
      font.draw(
        label, x: gridX - 6 - font.width(of: label), y: y - font.glyphHeight / 2,
        color: GridChrome.ink, into: &image)
      row += step
    }
    let caption = "step"
    font.drawVertical(
      caption, x: 4, y: gridY + max(0, (layout.height - font.width(of: caption)) / 2),
      color: GridChrome.subtle, into: &image)
  }

  /// Marks prompt and block boundaries: ticks above the grid always, lines through the grid
  /// when cells are at least 4 pixels (so small cells keep their colours).
  func drawBoundaries(for trace: Trace, into image: inout PNGImage) {
    var columnMarks: [(Int, RGB)] = []
    if trace.promptLength > layout.positions.lowerBound,
      trace.promptLength < layout.positions.upperBound
    {
      columnMarks.append((trace.promptLength, RGB(hex: 0x2CA02C)))
    }
    var rowMarks: [Int] = []
    var previous: TraceStepRecord?
    for step in trace.steps {
      if let previous, previous.block != step.block {
        rowMarks.append(step.step)
      }
      if previous?.blockStart != step.blockStart || previous == nil {
        if step.blockStart > layout.positions.lowerBound,
          step.blockStart < layout.positions.upperBound,
          step.blockStart != trace.promptLength
        {
          columnMarks.append((step.blockStart, GridChrome.ink))
        }
      }
      previous = step
    }
    let through = layout.cell >= 4
    for (position, color) in columnMarks {
      let x = gridX + layout.x(ofPosition: position)
      image.fill(x: x, y: gridY - 5, width: 1, height: 4, color)
      if through { image.fill(x: x, y: gridY, width: 1, height: layout.height, color) }
    }
    for step in rowMarks where layout.steps.contains(step) && step > layout.steps.lowerBound {
      let y = gridY + layout.y(ofStep: step)
      image.fill(x: gridX + layout.width + 1, y: y, width: 4, height: 1, GridChrome.ink)
      if through { image.fill(x: gridX, y: y, width: layout.width, height: 1, GridChrome.ink) }
    }
  }
}
