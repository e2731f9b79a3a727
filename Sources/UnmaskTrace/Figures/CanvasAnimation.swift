/// denoise.gif: the generated canvas step by step, masks as grey boxes, tokens committed since
/// the previous frame highlighted, re-masked positions in red, then the final canvas held.
/// The title line names the strategy, model and step count.
///
/// Frames: the starting canvas, then one per step; runs longer than `options.maxFrames` show
/// every k-th step (k = ceil(steps / (maxFrames - 1))) and always the last. Only boxes that
/// changed are redrawn and each frame stores just the rectangle that changed, so long canvases
/// stay small and fast.
public enum CanvasAnimation {
  /// A masked position.
  public static let maskedColor = RGB(hex: 0xBBBBBB)
  /// A position committed since the previous frame.
  public static let newColor = RGB(hex: 0xFF7F0E)
  /// A position committed before.
  public static let committedColor = RGB(hex: 0xDCE9F5)
  /// A position re-masked at this step.
  public static let remaskedColor = RGB(hex: 0xD62728)

  /// Characters per line (more for long canvases so the animation stays a sane height).
  static func lineWidth(tokens: Int) -> Int { tokens > 512 ? 160 : 72 }

  /// The GIF bytes.
  public static func render(_ trace: Trace, options: FigureOptions = FigureOptions()) -> [UInt8] {
    let positions = OrderLayout.positions(of: trace, options: options)
    let font = BitmapFont(scale: positions.count > 512 ? 1 : 2)
    let small = GridChrome.font
    let layout = OrderLayout.make(
      positions: positions, texts: [], sizing: trace.longestText(),
      width: lineWidth(tokens: positions.count))
    let margin = 10
    let top = margin + small.lineHeight + 6
    let rowHeight = font.lineHeight + 4
    let width = margin * 2 + layout.columns * font.advance
    let height = top + layout.lines * rowHeight + margin
    var image = PNGImage(width: width, height: height, background: .white)
    var gif = GIFEncoder(width: width, height: height)
    _ = gif.index(of: .white)

    // Per position: what is drawn now, to redraw only changes.
    var texts = OrderLayout.finalTexts(of: trace).map { _ in "" }
    var drawn = [RGB?](repeating: nil, count: trace.positionCount)
    var drawnText = [String](repeating: "", count: trace.positionCount)
    var dirty: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil
    func mark(_ x: Int, _ y: Int, _ w: Int, _ h: Int) {
      if let d = dirty {
        dirty = (min(d.x0, x), min(d.y0, y), max(d.x1, x + w), max(d.y1, y + h))
      } else {
        dirty = (x, y, x + w, y + h)
      }
    }
    func header(_ text: String) {
      image.fill(x: 0, y: 0, width: width, height: top - 2, .white)
      small.draw(
        BitmapFont.printable(text), x: margin, y: margin, color: GridChrome.ink, into: &image)
      mark(0, 0, width, top - 2)
    }
    func draw(_ item: OrderLayout.Item, color: RGB, text: String) {
      guard drawn[item.position] != color || drawnText[item.position] != text else { return }
      drawn[item.position] = color
      drawnText[item.position] = text
      let x = margin + item.column * font.advance
      let y = top + item.line * rowHeight
      let w = item.chars * font.advance
      image.fill(x: x, y: y, width: w, height: font.lineHeight, color)
      font.draw(
        BitmapFont.printable(String(text.prefix(item.chars))), x: x + 1, y: y + font.scale,
        color: color.contrastingText, into: &image)
      mark(x, y, w, font.lineHeight)
    }
    func flush(delay: Int) {
      guard let d = dirty else { return }
      gif.addFrame(
        from: image, x: d.x0, y: d.y0, width: d.x1 - d.x0, height: d.y1 - d.y0, delay: delay)
      dirty = nil
    }

    let steps = trace.stepCount
    let title = "\(trace.run.strategy) - \(trace.run.model)"
    // The title is static: a per-step counter would widen every frame's changed rectangle to
    // span from the title to the new tokens, multiplying the GIF's size and encoding time.
    header("\(title)   \(steps) steps")
    for item in layout.items { draw(item, color: maskedColor, text: "") }
    flush(delay: 50)
    guard steps > 0 else { return gif.encode() }

    let stride = max(1, (steps + max(options.maxFrames - 1, 1) - 1) / max(options.maxFrames - 1, 1))
    var previousFrameStep = -1
    for (s, record) in trace.steps.enumerated() {
      for token in record.committed where token.pos < texts.count {
        texts[token.pos] = OrderLayout.display(token.text).text
      }
      for token in record.remasked where token.pos < texts.count { texts[token.pos] = "" }
      guard s % stride == stride - 1 || s == steps - 1 else { continue }
      for item in layout.items {
        let code = trace.state[s, item.position]
        switch code {
        case CellState.remasked: draw(item, color: remaskedColor, text: "")
        case CellState.prompt, CellState.masked: draw(item, color: maskedColor, text: "")
        default:
          let fresh = Int(code) > previousFrameStep
          draw(item, color: fresh ? newColor : committedColor, text: texts[item.position])
        }
      }
      flush(delay: 12)
      previousFrameStep = s
    }
    // Hold the final canvas, with the last highlights cleared.
    for item in layout.items where drawn[item.position] == newColor {
      draw(item, color: committedColor, text: texts[item.position])
    }
    flush(delay: 300)
    gif.setLastDelay(300)
    return gif.encode()
  }
}
