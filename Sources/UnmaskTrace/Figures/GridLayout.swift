/// Which cells of the `[steps, positions]` matrix a grid figure shows and how big they are.
///
/// Downsampling rule (documented in README.md): cells are square with an integer side. The side
/// is the requested `cellSize`, or else the largest side <= 16 keeping the grid within
/// `autoGridSide`; either way it is reduced (to 1 at least) until the grid fits in `maxGridSide`.
/// If even 1-pixel cells do not fit, each pixel aggregates `ceil(n / maxGridSide)` consecutive
/// positions (or steps). So a 4096 x 1024 canvas becomes a 2048 x 1024-pixel grid.
struct GridLayout {
  /// Positions shown (columns of the matrix).
  var positions: Range<Int>
  /// Steps shown (rows of the matrix).
  var steps: Range<Int>
  /// Side of one drawn cell in pixels.
  var cell: Int
  /// Matrix columns aggregated into one drawn cell.
  var positionsPerCell: Int
  /// Matrix rows aggregated into one drawn cell.
  var stepsPerCell: Int

  /// Drawn columns.
  var columns: Int { (positions.count + positionsPerCell - 1) / positionsPerCell }
  /// Drawn rows.
  var rows: Int { (steps.count + stepsPerCell - 1) / stepsPerCell }
  /// Grid width in pixels.
  var width: Int { columns * cell }
  /// Grid height in pixels.
  var height: Int { rows * cell }

  /// Matrix columns inside drawn column `column`.
  func positionRange(column: Int) -> Range<Int> {
    let start = positions.lowerBound + column * positionsPerCell
    return start..<min(start + positionsPerCell, positions.upperBound)
  }

  /// Matrix rows inside drawn row `row`.
  func stepRange(row: Int) -> Range<Int> {
    let start = steps.lowerBound + row * stepsPerCell
    return start..<min(start + stepsPerCell, steps.upperBound)
  }

  /// Pixel offset (from the grid's left) of matrix column `position`'s drawn cell.
  func x(ofPosition position: Int) -> Int {
    (position - positions.lowerBound) / positionsPerCell * cell
  }
  /// Pixel offset (from the grid's top) of matrix row `step`'s drawn cell.
  func y(ofStep step: Int) -> Int { (step - steps.lowerBound) / stepsPerCell * cell }

  /// The layout for `trace` under `options` (crop to a block, cell size, caps).
  static func make(for trace: Trace, options: FigureOptions) throws -> GridLayout {
    var positions = 0..<trace.positionCount
    var steps = 0..<trace.stepCount
    if let block = options.block {
      guard let blockPositions = trace.positions(ofBlock: block),
        let blockSteps = trace.stepRange(ofBlock: block)
      else {
        let blocks = Set(trace.steps.map(\.block)).sorted().map(String.init).joined(separator: ", ")
        throw TraceError.invalidOption(
          name: "--block", message: "block \(block) is not in this trace (blocks: \(blocks))")
      }
      positions = blockPositions
      steps = blockSteps
    }
    let limit = max(options.maxGridSide, 16)
    let longest = max(positions.count, steps.count, 1)
    var cell = options.cellSize ?? min(16, max(1, options.autoGridSide / longest))
    cell = max(1, min(cell, limit / longest))
    return GridLayout(
      positions: positions, steps: steps, cell: cell,
      positionsPerCell: max(1, (positions.count + limit - 1) / limit),
      stepsPerCell: max(1, (steps.count + limit - 1) / limit))
  }
}
