import Unmask

/// Sudoku as an infilling task: the givens are fixed tokens of the canvas, the blanks masks.
///
/// By default a run commits one cell per step (steps = the puzzle's blanks, one block), as Kim et
/// al. (2025) compare orders; `steps` overrides that with a fixed budget. An answer counts when it
/// is a valid grid that keeps every given (`SudokuPuzzle.isSolved(by:)`).
public struct SudokuTask: EvalTask {
  /// The puzzles.
  public var puzzles: [SudokuPuzzle]
  /// How the model spells a grid.
  public var layout: SudokuLayout
  /// Fixed steps per puzzle; nil: one cell per step.
  public var steps: Int?

  /// A task over `puzzles`.
  public init(puzzles: [SudokuPuzzle], layout: SudokuLayout, steps: Int? = nil) {
    self.puzzles = puzzles
    self.layout = layout
    self.steps = steps
  }

  /// `sudoku`.
  public var name: String { "sudoku" }
  /// Number of puzzles.
  public var count: Int { puzzles.count }

  /// The layout's canvas in one block, with no prompt; steps = blanks unless fixed.
  public func prepare(_ index: Int, base: DenoisingSettings) throws -> PreparedItem {
    let puzzle = puzzles[index]
    var settings = base
    settings.length = layout.canvasLength
    settings.blockLength = layout.canvasLength
    settings.steps = max(1, steps ?? puzzle.blanks)
    try settings.validate()
    let canvas = layout.canvas(for: puzzle, maskID: settings.maskID)
    return PreparedItem(canvas: canvas, promptLength: 0, settings: settings)
  }

  /// Solved when the generated digits form a valid grid keeping the givens.
  public func judge(_ index: Int, result: DenoisingResult) throws -> ItemOutcome {
    let puzzle = puzzles[index]
    let digits = layout.digits(of: result.generated)
    return ItemOutcome(
      prompt: puzzle.cells.map(String.init).joined(),
      output: digits.map(String.init).joined(),
      expected: puzzle.solution.map { $0.map(String.init).joined() } ?? "",
      correct: puzzle.isSolved(by: digits))
  }
}
