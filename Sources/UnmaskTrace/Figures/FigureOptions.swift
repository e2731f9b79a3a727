/// How figures are drawn; the CLI's `trace render` flags map onto these.
public struct FigureOptions: Sendable {
  /// Whether `TraceRecorder.finish` draws figures at all.
  public var enabled: Bool = true
  /// Colour map of confidence.png, entropy.png and order.png/svg.
  public var colorMap: ColorMap = .viridis
  /// Pixels per cell side; nil picks the largest size (at most 16) that keeps the grid within
  /// `autoGridSide` pixels. An explicit size is still reduced to fit `maxGridSide`.
  public var cellSize: Int?
  /// Draw only this block's positions and steps.
  public var block: Int?
  /// Largest grid side in pixels (before margins); longer canvases aggregate cells.
  public var maxGridSide: Int = 2048
  /// Grid side that the automatic cell size aims for (600 keeps figures legible and their
  /// drawing within a few percent of a short run's generation time).
  public var autoGridSide: Int = 600
  /// Most frames in denoise.gif; longer runs show every k-th step (and always the last).
  public var maxFrames: Int = 240
  /// Which figures `TraceFigures.renderAll` writes.
  public var kinds: Set<FigureKind> = Set(FigureKind.allCases)

  /// Defaults: viridis, automatic cell size, whole trace, every figure.
  public init() {}
}

/// The figures a trace folder gets.
public enum FigureKind: String, CaseIterable, Sendable {
  /// heatmap.png: cell states.
  case heatmap
  /// confidence.png: proposal probability.
  case confidence
  /// entropy.png: prediction entropy.
  case entropy
  /// order.png and order.svg: text coloured by commit step.
  case order
  /// denoise.gif: the canvas step by step.
  case animation
}
