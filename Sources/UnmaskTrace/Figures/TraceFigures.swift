import Foundation
import UnmaskCore

/// Draws every figure of a trace into its folder (or another one).
public enum TraceFigures {
  /// Writes the figures chosen by `options.kinds` into `directory`; returns the files written.
  @discardableResult
  public static func renderAll(_ trace: Trace, options: FigureOptions, to directory: URL) throws
    -> [URL]
  {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    // Each file is independent: draw them on every core (figures are most of a traced run's
    // overhead), then report the files in a fixed order. One job per file, order.png and
    // order.svg apart, so the small jobs fill the gaps the large ones leave.
    var jobs: [(name: String, draw: () throws -> Void)] = []
    func png(_ name: String, _ render: @escaping () throws -> PNGImage) {
      jobs.append(
        (name, { try PNGWriter.write(try render(), to: directory.appendingPathComponent(name)) }))
    }
    func file(_ name: String, _ render: @escaping () -> Data) {
      jobs.append(
        (
          name,
          {
            try AtomicFileWriter.writeTraceFile(
              render(), to: directory.appendingPathComponent(name))
          }
        ))
    }
    if options.kinds.contains(.heatmap) {
      png("heatmap.png") { try HeatmapRenderer.render(trace, options: options) }
    }
    if options.kinds.contains(.confidence) {
      png("confidence.png") {
        try ScalarGridRenderer.render(trace, quantity: .confidence, options: options)
      }
    }
    if options.kinds.contains(.entropy) {
      png("entropy.png") {
        try ScalarGridRenderer.render(trace, quantity: .entropy, options: options)
      }
    }
    if options.kinds.contains(.order) {
      png("order.png") { OrderRenderer.renderPNG(trace, options: options) }
      file("order.svg") { Data(OrderRenderer.renderSVG(trace, options: options).utf8) }
    }
    if options.kinds.contains(.animation) {
      file("denoise.gif") { Data(CanvasAnimation.render(trace, options: options)) }
    }
    var failures = [Error?](repeating: nil, count: jobs.count)
    failures.withUnsafeMutableBufferPointer { slots in
      DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
        do { try jobs[index].draw() } catch { slots[index] = error }
      }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return jobs.map { directory.appendingPathComponent($0.name) }
  }
}
