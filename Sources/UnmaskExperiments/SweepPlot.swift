import Foundation
import Unmask

/// Draws a sweep's results: accuracy against forward passes per item, one line per strategy,
/// the 95% interval as a vertical bar at each point; and the same numbers as a Markdown table.
public enum SweepPlot {
  /// One result row, as read from results JSONL.
  public struct Row: Sendable {
    /// Series name (the point's strategy, or "all").
    public var series: String
    /// The point's grid values as `key=value` text.
    public var label: String
    /// Mean forward passes per item.
    public var forwardPasses: Double
    /// Accuracy in [0, 1].
    public var accuracy: Double
    /// Wilson 95% interval.
    public var ci: [Double]
    /// Tokens per forward pass.
    public var tokensPerForward: Double
    /// Items.
    public var n: Int
  }

  /// Reads result rows; errors name the file, line and field.
  public static func read(path: String) throws -> [Row] {
    try JSONLines.read(path: path).map { row in
      let o = row.object
      func number(_ key: String) throws -> Double {
        guard let v = o[key] as? Double ?? (o[key] as? Int).map(Double.init) else {
          throw ExperimentError(source: path, line: row.line, field: key, problem: "missing number")
        }
        return v
      }
      let point = o["point"] as? [String: Any] ?? [:]
      let label = point.keys.sorted().map { "\($0)=\(point[$0].map { "\($0)" } ?? "")" }
        .joined(separator: " ")
      guard let ci = o["ci95"] as? [Double], ci.count == 2 else {
        throw ExperimentError(
          source: path, line: row.line, field: "ci95", problem: "expected [lo, hi]")
      }
      return Row(
        series: point["strategy"] as? String ?? "all", label: label,
        forwardPasses: try number("forward_passes_per_item"), accuracy: try number("accuracy"),
        ci: ci, tokensPerForward: try number("tokens_per_forward"), n: Int(try number("n")))
    }
  }

  /// The Markdown table (one row per point, in file order).
  public static func markdown(_ rows: [Row]) -> String {
    var text = "| point | accuracy | 95% CI | forward passes / item | tokens / forward | n |\n"
    text += "|---|---:|---|---:|---:|---:|\n"
    for r in rows {
      text += String(
        format: "| %@ | %.3f | [%.3f, %.3f] | %.1f | %.2f | %d |\n", r.label, r.accuracy, r.ci[0],
        r.ci[1], r.forwardPasses, r.tokensPerForward, r.n)
    }
    return text
  }

  static let palette: [RGB] = [
    RGB(hex: 0x1f77b4), RGB(hex: 0xd62728), RGB(hex: 0x2ca02c), RGB(hex: 0xff7f0e),
    RGB(hex: 0x9467bd), RGB(hex: 0x8c564b), RGB(hex: 0xe377c2), RGB(hex: 0x7f7f7f),
  ]

  /// The figure: x = forward passes per item (linear, from 0), y = accuracy in [0, 1].
  public static func image(_ rows: [Row], title: String) -> PNGImage {
    let width = 720, height = 480, left = 70, right = 190, top = 40, bottom = 60
    var image = PNGImage(width: width, height: height)
    let font = BitmapFont(scale: 2)
    let small = BitmapFont(scale: 1)
    let plotW = width - left - right, plotH = height - top - bottom
    let maxX = max(1, (rows.map(\.forwardPasses).max() ?? 1) * 1.1)
    func px(_ x: Double) -> Int { left + Int(x / maxX * Double(plotW)) }
    func py(_ y: Double) -> Int { top + plotH - Int(y * Double(plotH)) }
    image.strokeRect(x: left, y: top, width: plotW, height: plotH, .black)
    for tick in 0...4 {
      let y = Double(tick) / 4
      image.fill(x: left - 4, y: py(y), width: 4, height: 1, .black)
      small.draw(String(format: "%.2f", y), x: left - 34, y: py(y) - 3, color: .black, into: &image)
      let x = maxX * Double(tick) / 4
      image.fill(x: px(x), y: top + plotH, width: 1, height: 4, .black)
      small.draw(
        String(format: "%.0f", x), x: px(x) - 6, y: top + plotH + 8, color: .black, into: &image)
    }
    font.draw(title, x: left, y: 10, color: .black, into: &image)
    small.draw(
      "forward passes per item", x: left + plotW / 2 - 70, y: height - 24, color: .black,
      into: &image)
    small.drawVertical("accuracy", x: 12, y: top + plotH / 2 - 24, color: .black, into: &image)
    let series = rows.map(\.series).reduce(into: [String]()) {
      if !$0.contains($1) { $0.append($1) }
    }
    for (i, name) in series.enumerated() {
      let color = palette[i % palette.count]
      let points = rows.filter { $0.series == name }.sorted { $0.forwardPasses < $1.forwardPasses }
      for (a, b) in zip(points, points.dropFirst()) {
        line(
          &image, px(a.forwardPasses), py(a.accuracy), px(b.forwardPasses), py(b.accuracy), color)
      }
      for p in points {
        let x = px(p.forwardPasses)
        image.fill(x: x, y: py(p.ci[1]), width: 1, height: max(1, py(p.ci[0]) - py(p.ci[1])), color)
        image.fill(x: x - 3, y: py(p.ci[1]), width: 7, height: 1, color)
        image.fill(x: x - 3, y: py(p.ci[0]), width: 7, height: 1, color)
        image.fill(x: x - 3, y: py(p.accuracy) - 3, width: 7, height: 7, color)
      }
      let ly = top + 10 + i * 22
      image.fill(x: left + plotW + 14, y: ly, width: 14, height: 8, color)
      font.draw(name, x: left + plotW + 34, y: ly - 3, color: .black, into: &image)
    }
    return image
  }

  private static func line(
    _ image: inout PNGImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB
  ) {
    let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    for s in 0...steps {
      let t = Double(s) / Double(steps)
      let x = Int((Double(x0) + t * Double(x1 - x0)).rounded())
      let y = Int((Double(y0) + t * Double(y1 - y0)).rounded())
      image.fill(x: x, y: y, width: 2, height: 2, color)
    }
  }
}
