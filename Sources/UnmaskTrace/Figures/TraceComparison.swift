/// Two traces' figures side by side (e.g. confidence vs random remasking on the same prompt
/// and seed), each under a caption naming its folder and strategy.
public enum TraceComparison {
  /// The figures that can be put side by side: the still images. (The animation is a GIF of
  /// its own length per trace; compare two denoise.gif files in a viewer instead.)
  public static let figures: [FigureKind] = [.heatmap, .confidence, .entropy, .order]

  /// Draws `figure` (one of `figures`) of `a` and `b` next to each other.
  ///
  /// - Throws: `TraceError.invalidOption` for `.animation`.
  public static func render(
    _ a: Trace, titled titleA: String, _ b: Trace, titled titleB: String, figure: FigureKind,
    options: FigureOptions = FigureOptions()
  ) throws -> PNGImage {
    func draw(_ trace: Trace) throws -> PNGImage {
      switch figure {
      case .confidence:
        return try ScalarGridRenderer.render(trace, quantity: .confidence, options: options)
      case .entropy:
        return try ScalarGridRenderer.render(trace, quantity: .entropy, options: options)
      case .heatmap: return try HeatmapRenderer.render(trace, options: options)
      case .order: return OrderRenderer.renderPNG(trace, options: options)
      case .animation:
        throw TraceError.invalidOption(
          name: "figure",
          message: "animation cannot be compared side by side; use heatmap, confidence, "
            + "entropy or order")
      }
    }
    let left = try draw(a)
    let right = try draw(b)
    let font = GridChrome.font
    let gap = 24
    let captionHeight = font.lineHeight + 8
    var image = PNGImage(
      width: left.width + gap + right.width,
      height: captionHeight + max(left.height, right.height), background: .white)
    font.draw(
      BitmapFont.printable("\(titleA) (\(a.run.strategy))"), x: 4, y: 4, color: GridChrome.ink,
      into: &image)
    font.draw(
      BitmapFont.printable("\(titleB) (\(b.run.strategy))"), x: left.width + gap + 4, y: 4,
      color: GridChrome.ink, into: &image)
    image.draw(left, x: 0, y: captionHeight)
    image.draw(right, x: left.width + gap, y: captionHeight)
    image.fill(
      x: left.width + gap / 2, y: captionHeight, width: 1, height: image.height - captionHeight,
      GridChrome.subtle)
    return image
  }
}
