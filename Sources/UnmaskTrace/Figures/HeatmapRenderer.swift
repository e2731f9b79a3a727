/// heatmap.png: positions across, steps down; each cell shows the position's state after the
/// step: prompt, masked, committed at this step, committed earlier (shaded light to dark by
/// the step it was committed), or re-masked at this step. Prompt and block boundaries marked.
public enum HeatmapRenderer {
  /// Prompt cells.
  public static let promptColor = RGB(hex: 0xD9D9D9)
  /// Masked cells.
  public static let maskedColor = RGB(hex: 0x404040)
  /// Cells committed at this very step.
  public static let committedNowColor = RGB(hex: 0xFF7F0E)
  /// Cells re-masked at this step.
  public static let remaskedColor = RGB(hex: 0xD62728)
  /// Shade of a token committed at the first step.
  public static let earlyColor = RGB(hex: 0xC6DBEF)
  /// Shade of a token committed at the last step.
  public static let lateColor = RGB(hex: 0x08306B)

  /// Colour of a token committed at `step` (seen on later rows), of `steps` in the run.
  public static func committedEarlierColor(step: Int, steps: Int) -> RGB {
    earlyColor.mixed(with: lateColor, Double(step) / Double(max(steps - 1, 1)))
  }

  /// Colour of one state code on row `row`.
  static func color(code: Int32, row: Int, steps: Int) -> RGB {
    switch code {
    case CellState.prompt: return promptColor
    case CellState.masked: return maskedColor
    case CellState.remasked: return remaskedColor
    case Int32(row): return committedNowColor
    default: return code >= 0 ? committedEarlierColor(step: Int(code), steps: steps) : maskedColor
    }
  }

  /// Draws the heatmap of `trace`.
  public static func render(_ trace: Trace, options: FigureOptions = FigureOptions()) throws
    -> PNGImage
  {
    let chrome = try self.chrome(for: trace, options: options)
    let layout = chrome.layout
    let legend = Legend.heatmap
    var image = chrome.makeImage()
    let steps = trace.stepCount
    for row in 0..<layout.rows {
      let stepRange = layout.stepRange(row: row)
      for column in 0..<layout.columns {
        let color = cellColor(
          trace, steps: stepRange, positions: layout.positionRange(column: column), total: steps)
        image.fill(
          x: chrome.gridX + column * layout.cell, y: chrome.gridY + row * layout.cell,
          width: layout.cell, height: layout.cell, color)
      }
    }
    chrome.drawBoundaries(for: trace, into: &image)
    legend.draw(x: chrome.gridX, y: chrome.legendY, into: &image)
    return image
  }

  /// Where the grid and its cells go.
  static func chrome(for trace: Trace, options: FigureOptions) throws -> GridChrome {
    let layout = try GridLayout.make(for: trace, options: options)
    let legend = Legend.heatmap
    return GridChrome(
      layout: layout, title: "\(trace.run.strategy): state per step - \(trace.run.model)",
      rightPanel: 8, legendWidth: legend.width, legendHeight: legend.height)
  }

  /// One drawn cell, aggregating a block of matrix cells by priority: committed at its step,
  /// re-masked, masked, committed earlier (latest step), prompt.
  static func cellColor(_ trace: Trace, steps: Range<Int>, positions: Range<Int>, total: Int)
    -> RGB
  {
    if steps.count == 1 && positions.count == 1 {
      return color(
        code: trace.state[steps.lowerBound, positions.lowerBound], row: steps.lowerBound,
        steps: total)
    }
    var now = false
    var remasked = false
    var masked = false
    var latest: Int32 = -1
    for row in steps {
      for position in positions {
        let code = trace.state[row, position]
        if code == Int32(row) {
          now = true
        } else if code == CellState.remasked {
          remasked = true
        } else if code == CellState.masked {
          masked = true
        } else if code >= 0 {
          latest = max(latest, code)
        }
      }
    }
    if now { return committedNowColor }
    if remasked { return remaskedColor }
    if masked { return maskedColor }
    if latest >= 0 { return committedEarlierColor(step: Int(latest), steps: total) }
    return promptColor
  }
}
