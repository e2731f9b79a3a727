/// Lays generated tokens out as wrapped lines of text, in character cells, shared by order.png,
/// order.svg and denoise.gif so all three wrap identically.
struct OrderLayout {
  /// One token box.
  struct Item {
    /// Canvas position.
    var position: Int
    /// Text to show (ASCII-safe for the bitmap font is done by the PNG renderer).
    var text: String
    /// Width in characters (at least 1; sized for the longest token ever at this position).
    var chars: Int
    /// Line index.
    var line: Int
    /// First character column.
    var column: Int
  }

  var items: [Item]
  var lines: Int
  var columns: Int

  /// Display form of a token: line breaks shown as a break in the layout, tabs as spaces.
  static func display(_ text: String) -> (text: String, breaksLine: Bool) {
    // Most tokens hold no control character: skip Foundation's string search, which made this
    // a tenth of denoise.gif's drawing time.
    guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) else {
      return (text, false)
    }
    let breaks = text.contains("\n")
    let flat = text.replacingOccurrences(of: "\n", with: "").replacingOccurrences(
      of: "\t", with: " "
    )
    .replacingOccurrences(of: "\r", with: "")
    return (flat, breaks)
  }

  /// Positions drawn: the generated part (or the chosen block), widened to the first prompt
  /// position that was masked at the start (infilling), so infilled positions are drawn too.
  static func positions(of trace: Trace, options: FigureOptions) -> Range<Int> {
    if let block = options.block, let range = trace.positions(ofBlock: block) { return range }
    var lower = trace.promptLength
    if trace.stepCount > 0 {
      for position in 0..<min(trace.promptLength, trace.positionCount)
      where trace.state[0, position] != CellState.prompt {
        lower = position
        break
      }
    }
    return lower..<trace.positionCount
  }

  /// Wraps `texts` (indexed by position) at `width` characters; `sizing` gives each box's width.
  static func make(positions: Range<Int>, texts: [String], sizing: [String], width: Int)
    -> OrderLayout
  {
    var items: [Item] = []
    var line = 0
    var column = 0
    for position in positions {
      let shown = display(position < texts.count ? texts[position] : "")
      let sized = display(position < sizing.count ? sizing[position] : "")
      let chars = min(max(1, shown.text.count, sized.text.count), width)
      if column > 0 && column + chars > width {
        line += 1
        column = 0
      }
      items.append(
        Item(position: position, text: shown.text, chars: chars, line: line, column: column))
      column += chars + 1
      if shown.breaksLine || sized.breaksLine {
        line += 1
        column = 0
      }
    }
    return OrderLayout(
      items: items, lines: column == 0 && line > 0 ? line : line + 1, columns: width)
  }

  /// Final text per position: prompt text, then the last committed text (masks empty).
  static func finalTexts(of trace: Trace) -> [String] {
    var texts = [String](repeating: "", count: trace.positionCount)
    for (i, text) in trace.run.promptText.enumerated() where i < texts.count { texts[i] = text }
    for step in trace.steps {
      for token in step.committed where token.pos < texts.count { texts[token.pos] = token.text }
      for token in step.remasked where token.pos < texts.count { texts[token.pos] = "" }
    }
    return texts
  }

  /// The step at which each position's final token was committed (nil: still masked or prompt).
  static func commitSteps(of trace: Trace) -> [Int?] {
    guard trace.stepCount > 0 else { return [Int?](repeating: nil, count: trace.positionCount) }
    let last = trace.stepCount - 1
    return (0..<trace.positionCount).map {
      let code = trace.state[last, $0]
      return code >= 0 ? Int(code) : nil
    }
  }
}
