import Foundation

/// Draws every figure of a trace into its folder (or another one).
public enum TraceFigures {
  /// Writes the figures chosen by `options.kinds` into `directory`; returns the files written.
  @discardableResult
  public static func renderAll(_ trace: Trace, options: FigureOptions, to directory: URL) throws
    -> [URL]
  {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var written: [URL] = []
    func png(_ name: String, _ image: PNGImage) throws {
      let url = directory.appendingPathComponent(name)
      try PNGWriter.write(image, to: url)
      written.append(url)
    }
    if options.kinds.contains(.heatmap) {
      try png("heatmap.png", try HeatmapRenderer.render(trace, options: options))
    }
    if options.kinds.contains(.confidence) {
      try png(
        "confidence.png",
        try ScalarGridRenderer.render(trace, quantity: .confidence, options: options))
    }
    if options.kinds.contains(.entropy) {
      try png(
        "entropy.png", try ScalarGridRenderer.render(trace, quantity: .entropy, options: options))
    }
    if options.kinds.contains(.order) {
      try png("order.png", OrderRenderer.renderPNG(trace, options: options))
      let url = directory.appendingPathComponent("order.svg")
      try write(OrderRenderer.renderSVG(trace, options: options), to: url)
      written.append(url)
    }
    if options.kinds.contains(.animation) {
      let url = directory.appendingPathComponent("denoise.gif")
      try write(Data(CanvasAnimation.render(trace, options: options)), to: url)
      written.append(url)
    }
    return written
  }

  /// Writes `text` or bytes atomically, mapping failures to `TraceError.io`.
  static func write(_ text: String, to url: URL) throws {
    try write(Data(text.utf8), to: url)
  }

  static func write(_ data: Data, to url: URL) throws {
    do {
      try data.write(to: url, options: .atomic)
    } catch {
      throw TraceError.io(file: url.path, message: "could not write: \(error.localizedDescription)")
    }
  }
}
