/// order.png and order.svg: the generated text with each token's box coloured by the step at
/// which it was committed (the LLaDA paper's figure). The SVG keeps real `<text>` so the words
/// stay selectable and searchable in a paper.
public enum OrderRenderer {
  /// Box of a position that is still masked at the end.
  public static let maskedColor = RGB(hex: 0xBBBBBB)
  /// Characters per line.
  static let lineWidth = 72

  /// Colour of a token committed at `step` of `steps`.
  public static func color(step: Int, steps: Int, colorMap: ColorMap) -> RGB {
    colorMap.color(Double(step) / Double(max(steps - 1, 1)))
  }

  /// Draws order.png with the bitmap font at twice its size.
  public static func renderPNG(_ trace: Trace, options: FigureOptions = FigureOptions()) -> PNGImage
  {
    let font = BitmapFont(scale: 2)
    let small = GridChrome.font
    let layout = OrderLayout.make(
      positions: OrderLayout.positions(of: trace, options: options),
      texts: OrderLayout.finalTexts(of: trace), sizing: OrderLayout.finalTexts(of: trace),
      width: lineWidth)
    let steps = OrderLayout.commitSteps(of: trace)
    let margin = 12
    let top = margin + small.lineHeight + 8
    let rowHeight = font.lineHeight + 6
    let barHeight = 10
    let width = margin * 2 + lineWidth * font.advance
    let height = top + layout.lines * rowHeight + 12 + barHeight + small.lineHeight + margin
    var image = PNGImage(width: width, height: height, background: .white)
    small.draw(
      BitmapFont.printable(
        "\(trace.run.strategy): tokens coloured by commit step - \(trace.run.model)"),
      x: margin, y: margin, color: GridChrome.ink, into: &image)
    for item in layout.items {
      let x = margin + item.column * font.advance
      let y = top + item.line * rowHeight
      let box: RGB
      if let step = steps[item.position] {
        box = color(step: step, steps: trace.stepCount, colorMap: options.colorMap)
      } else {
        box = maskedColor
      }
      image.fill(x: x, y: y, width: item.chars * font.advance, height: font.lineHeight + 2, box)
      font.draw(
        BitmapFont.printable(String(item.text.prefix(item.chars))), x: x + 1, y: y + 3,
        color: box.contrastingText, into: &image)
    }
    // Horizontal colour bar: first step on the left, last on the right.
    let barY = top + layout.lines * rowHeight + 12
    let barWidth = min(width - 2 * margin, 256)
    for i in 0..<barWidth {
      image.fill(
        x: margin + i, y: barY, width: 1, height: barHeight,
        options.colorMap.color(Double(i) / Double(max(barWidth - 1, 1))))
    }
    small.draw("step 0", x: margin, y: barY + barHeight + 3, color: GridChrome.ink, into: &image)
    let last = "step \(max(trace.stepCount - 1, 0))"
    small.draw(
      last, x: margin + barWidth - small.width(of: last), y: barY + barHeight + 3,
      color: GridChrome.ink, into: &image)
    return image
  }

  /// Writes order.svg: the same layout in a 14 px monospace font.
  public static func renderSVG(_ trace: Trace, options: FigureOptions = FigureOptions()) -> String {
    let texts = OrderLayout.finalTexts(of: trace)
    let layout = OrderLayout.make(
      positions: OrderLayout.positions(of: trace, options: options), texts: texts, sizing: texts,
      width: lineWidth)
    let steps = OrderLayout.commitSteps(of: trace)
    let advance = 8.4
    let rowHeight = 22.0
    let margin = 12.0
    let top = 36.0
    let width = margin * 2 + Double(lineWidth) * advance
    let height = top + Double(layout.lines) * rowHeight + margin
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(format(width))" height="\(format(height))" \
      viewBox="0 0 \(format(width)) \(format(height))" font-family="DejaVu Sans Mono, Menlo, monospace" \
      font-size="14">
      <rect width="100%" height="100%" fill="#ffffff"/>
      <text x="\(format(margin))" y="22" fill="#222222">\(escape("\(trace.run.strategy): tokens coloured by commit step - \(trace.run.model)"))</text>

      """
    for item in layout.items {
      let x = margin + Double(item.column) * advance
      let y = top + Double(item.line) * rowHeight
      let box: RGB
      var title = "position \(item.position): masked"
      if let step = steps[item.position] {
        box = color(step: step, steps: trace.stepCount, colorMap: options.colorMap)
        title = "position \(item.position): step \(step)"
      } else {
        box = maskedColor
      }
      svg += "<g><title>\(title)</title>"
      svg +=
        "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(Double(item.chars) * advance - 1))\" "
      svg += "height=\"18\" fill=\"\(box)\"/>"
      svg += "<text x=\"\(format(x))\" y=\"\(format(y + 14))\" fill=\"\(box.contrastingText)\" "
      svg += "xml:space=\"preserve\">\(escape(item.text))</text></g>\n"
    }
    svg += "</svg>\n"
    return svg
  }

  /// Two decimals at most, no trailing zeros.
  static func format(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    var text = String(rounded)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
  }

  /// XML text escaping, dropping control characters XML 1.0 forbids.
  static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default:
        if scalar.value < 0x20 && scalar != "\t" { continue }
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
