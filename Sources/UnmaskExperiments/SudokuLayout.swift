import Foundation

/// How a Sudoku model spells a grid in tokens, read from the `"sudoku"` object of the model
/// folder's `unmask.json`:
///
/// ```json
/// {"task": "sudoku", "sudoku": {"digit_tokens": [1, 2, 3, 4, 5, 6, 7, 8, 9],
///                              "cell_prompt_first_token": 11}}
/// ```
///
/// The canvas is an optional prompt of 81 cell tokens (`first, first+1, ... first+80`: LLaDA has
/// only relative positions, so the shipped model reads each cell's absolute position from the
/// token 81 places back) followed by the 81 cells, row-major: the token of a given digit, or the
/// mask at a blank. This is the one place an eval canvas for Sudoku is built.
public struct SudokuLayout: Equatable, Sendable {
  /// Token of digit d at index d-1.
  public var digitTokens: [Int32]
  /// First of the 81 cell-prompt tokens; nil: no prompt.
  public var cellPromptFirstToken: Int32?

  /// A layout; `digitTokens` must hold 9 distinct ids.
  public init(digitTokens: [Int32], cellPromptFirstToken: Int32?) {
    self.digitTokens = digitTokens
    self.cellPromptFirstToken = cellPromptFirstToken
  }

  /// The prompt (81 cell tokens, or nothing).
  public var prompt: [Int32] {
    guard let first = cellPromptFirstToken else { return [] }
    return (0..<81).map { first + Int32($0) }
  }

  /// Prompt + cells: the givens' tokens, `maskID` at blanks.
  public func canvas(for puzzle: SudokuPuzzle, maskID: Int32) -> [Int32] {
    prompt + puzzle.cells.map { $0 == 0 ? maskID : digitTokens[$0 - 1] }
  }

  /// The digits of the 81 generated tokens (0 where a token is not a digit).
  public func digits(of generated: [Int32]) -> [Int] {
    generated.map { token in digitTokens.firstIndex(of: token).map { $0 + 1 } ?? 0 }
  }

  /// The layout in `folder/unmask.json`; errors name the file and field.
  public static func load(modelFolder folder: URL) throws -> SudokuLayout {
    let url = folder.appendingPathComponent("unmask.json")
    let path = url.path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ExperimentError(
        source: path, problem: "cannot be read; a Sudoku model folder needs an unmask.json")
    }
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw ExperimentError(source: path, problem: "not a JSON object")
    }
    guard let object = root["sudoku"] as? [String: Any] else {
      throw ExperimentError(source: path, field: "sudoku", problem: "missing (the token layout)")
    }
    guard let digits = object["digit_tokens"] as? [Int], digits.count == 9,
      Set(digits).count == 9
    else {
      throw ExperimentError(
        source: path, field: "sudoku.digit_tokens", problem: "expected 9 distinct token ids")
    }
    var first: Int32?
    if let value = object["cell_prompt_first_token"], !(value is NSNull) {
      guard let id = value as? Int, id >= 0 else {
        throw ExperimentError(
          source: path, field: "sudoku.cell_prompt_first_token",
          problem: "expected a token id or null")
      }
      first = Int32(id)
    }
    return SudokuLayout(digitTokens: digits.map(Int32.init), cellPromptFirstToken: first)
  }
}
