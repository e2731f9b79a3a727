import Foundation

/// Draws every figure of a trace into its folder (or another one).
public enum TraceFigures {
  /// Writes the figures chosen by `options.kinds` into `directory`; returns the files written.
  @discardableResult
  public static func renderAll(_ trace: Trace, options: FigureOptions, to directory: URL) throws
    -> [URL]
  {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    // Each figure is independent: draw them on every core (figures are most of a traced run's
    // overhead), then report the files in a fixed order.
    var jobs: [(names: [String], draw: () throws -> Void)] = []
    func png(_ name: String, _ render: @escaping () throws -> PNGImage) {
      jobs.append(([name], { try PNGWriter.write(try render(), to: directory.appendingPathComponent(name)) }))
    }
    if options.kinds.contains(.heatmap) {
      png("heatmap.png") { try HeatmapRenderer.render(trace, options: options) }
    }
    if options.kinds.contains(.confidence) {
      png("confidence.png") { try ScalarGridRenderer.render(trace, quantity: .confidence, options: options) }
    }
    if options.kinds.contains(.entropy) {
      png("entropy.png") { try ScalarGridRenderer.render(trace, quantity: .entropy, options: options) }
    }
    if options.kinds.contains(.order) {
      jobs.append((["order.png", "order.svg"], {
        try PNGWriter.write(OrderRenderer.renderPNG(trace, options: options), to: directory.appendingPathComponent("order.png"))
        try write(OrderRenderer.renderSVG(trace, options: options), to: directory.appendingPathComponent("order.svg"))
      }))
    }
    if options.kinds.contains(.animation) {
      jobs.append((["denoise.gif"], {
        try write(Data(CanvasAnimation.render(trace, options: options)), to: directory.appendingPathComponent("denoise.gif"))
      }))
    }
    var failures = [Error?](repeating: nil, count: jobs.count)
    failures.withUnsafeMutableBufferPointer { slots in
      DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
        do { try jobs[index].draw() } catch { slots[index] = error }
      }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return jobs.flatMap { $0.names.map { directory.appendingPathComponent($0) } }
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
