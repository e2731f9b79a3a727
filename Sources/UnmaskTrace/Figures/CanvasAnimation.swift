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

  /// Where the title and each token box go, shared by `render` and the tests that decode it.
  struct Geometry {
    /// Font of the token text (the small font past 512 tokens).
    let font: BitmapFont
    let layout: OrderLayout
    let margin = 10
    /// Top of the first line of boxes, below the title.
    let top: Int
    let rowHeight: Int
    let width: Int
    let height: Int

    init(_ trace: Trace, options: FigureOptions) {
      let positions = OrderLayout.positions(of: trace, options: options)
      font = BitmapFont(scale: positions.count > 512 ? 1 : 2)
      layout = OrderLayout.make(
        positions: positions, texts: [], sizing: trace.longestText(),
        width: CanvasAnimation.lineWidth(tokens: positions.count))
      top = margin + GridChrome.font.lineHeight + 6
      rowHeight = font.lineHeight + 4
      width = margin * 2 + layout.columns * font.advance
      height = top + layout.lines * rowHeight + margin
    }

    /// The title band: everything above the first line of boxes.
    var titleHeight: Int { top - 2 }

    /// The box of `item`: `(x, y, width, height)`.
    func box(of item: OrderLayout.Item) -> (x: Int, y: Int, width: Int, height: Int) {
      (
        margin + item.column * font.advance, top + item.line * rowHeight,
        item.chars * font.advance, font.lineHeight
      )
    }

    /// Draws the title band with `text`.
    func drawTitle(_ text: String, into image: inout PNGImage) {
      image.fill(x: 0, y: 0, width: width, height: titleHeight, .white)
      GridChrome.font.draw(
        BitmapFont.printable(text), x: margin, y: margin, color: GridChrome.ink, into: &image)
    }

    /// Fills `item`'s box with `color` and writes `text` (cut to the box) in a contrasting ink.
    func drawBox(_ item: OrderLayout.Item, color: RGB, text: String, into image: inout PNGImage) {
      let box = box(of: item)
      image.fill(x: box.x, y: box.y, width: box.width, height: box.height, color)
      font.draw(
        BitmapFont.printable(String(text.prefix(item.chars))), x: box.x + 1, y: box.y + font.scale,
        color: color.contrastingText, into: &image)
    }
  }

  /// The title line: strategy, model and step count. Static: a per-step counter would widen
  /// every frame's changed rectangle to span from the title to the new tokens, multiplying the
  /// GIF's size and encoding time.
  static func title(of trace: Trace) -> String {
    "\(trace.run.strategy) - \(trace.run.model)   \(trace.stepCount) steps"
  }

  /// The GIF bytes.
  public static func render(_ trace: Trace, options: FigureOptions = FigureOptions()) -> [UInt8] {
    let geometry = Geometry(trace, options: options)
    let layout = geometry.layout
    let width = geometry.width
    var image = PNGImage(width: width, height: geometry.height, background: .white)
    var gif = GIFEncoder(width: width, height: geometry.height)
    _ = gif.index(of: .white)

    // Per position: what is drawn now, to redraw only changes.
    var texts = [String](repeating: "", count: trace.positionCount)
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
    func draw(_ item: OrderLayout.Item, color: RGB, text: String) {
      guard drawn[item.position] != color || drawnText[item.position] != text else { return }
      drawn[item.position] = color
      drawnText[item.position] = text
      geometry.drawBox(item, color: color, text: text, into: &image)
      let box = geometry.box(of: item)
      mark(box.x, box.y, box.width, box.height)
    }
    func flush(delay: Int) {
      guard let d = dirty else { return }
      gif.addFrame(
        from: image, x: d.x0, y: d.y0, width: d.x1 - d.x0, height: d.y1 - d.y0, delay: delay)
      dirty = nil
    }

    let steps = trace.stepCount
    geometry.drawTitle(title(of: trace), into: &image)
    // The first frame covers the whole image, margins included, so no viewer shows them as
    // transparent.
    mark(0, 0, width, geometry.height)
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
