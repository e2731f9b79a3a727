import Foundation

/// How a Sudoku model spells a grid in tokens, read from the `"sudoku"` object of the model
/// folder's `unmask.json`:
///
/// ```json
/// {"task": "sudoku", "sudoku": {"digit_tokens": [1, 2, 3, 4, 5, 6, 7, 8, 9],
///                              "row_stride": 17, "gap_token": 11}}
/// ```
///
/// The canvas holds the 81 cells row-major, cell (r, c) at position `rowStride * r + c`: the
/// token of a given digit, or the mask at a blank. With a stride above 9 the positions between
/// rows hold `gapToken`, fixed like the givens. Why a stride: LLaDA and Dream have only relative
/// (rotary) positions, and on 81 consecutive cells a neighbour in the same row and the next
/// row's first cell are both one apart; with a stride of 17 the offset between two cells tells
/// their row and column difference apart (the shipped model's layout). This is the one place an
/// eval canvas for Sudoku is built.
public struct SudokuLayout: Equatable, Sendable {
  /// Token of digit d at index d-1.
  public var digitTokens: [Int32]
  /// Canvas positions from one row's first cell to the next row's first cell (at least 9).
  public var rowStride: Int
  /// The fixed token at positions that are not cells (needed when `rowStride` > 9).
  public var gapToken: Int32?

  /// A layout; `digitTokens` must hold 9 distinct ids, `rowStride` >= 9, and a `gapToken` that
  /// is not a digit when the stride leaves gaps.
  public init(digitTokens: [Int32], rowStride: Int = 9, gapToken: Int32? = nil) {
    self.digitTokens = digitTokens
    self.rowStride = rowStride
    self.gapToken = gapToken
  }

  /// Positions on the canvas: 8 strides and one row.
  public var canvasLength: Int { 8 * rowStride + 9 }

  /// Canvas position of cell `k` (row-major, 0..<81).
  public func position(ofCell k: Int) -> Int { rowStride * (k / 9) + k % 9 }

  /// The canvas: the givens' tokens, `maskID` at blanks, `gapToken` between rows.
  public func canvas(for puzzle: SudokuPuzzle, maskID: Int32) -> [Int32] {
    var canvas = [Int32](repeating: gapToken ?? maskID, count: canvasLength)
    for (k, digit) in puzzle.cells.enumerated() {
      canvas[position(ofCell: k)] = digit == 0 ? maskID : digitTokens[digit - 1]
    }
    return canvas
  }

  /// The 81 digits a generated canvas holds at the cell positions (0 where a token is not a
  /// digit or the canvas is short).
  public func digits(of generated: [Int32]) -> [Int] {
    (0..<81).map { k in
      let p = position(ofCell: k)
      guard p < generated.count else { return 0 }
      return digitTokens.firstIndex(of: generated[p]).map { $0 + 1 } ?? 0
    }
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
    for key in object.keys where !["digit_tokens", "row_stride", "gap_token"].contains(key) {
      throw ExperimentError(source: path, field: "sudoku.\(key)", problem: "unknown field")
    }
    guard let digits = object["digit_tokens"] as? [Int], digits.count == 9,
      Set(digits).count == 9, digits.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) })
    else {
      throw ExperimentError(
        source: path, field: "sudoku.digit_tokens", problem: "expected 9 distinct token ids")
    }
    var stride = 9
    if let value = object["row_stride"] {
      guard let n = value as? Int, !(value is Bool), n >= 9, n <= 4096 else {
        throw ExperimentError(
          source: path, field: "sudoku.row_stride", problem: "expected an integer from 9 to 4096")
      }
      stride = n
    }
    var gap: Int32?
    if let value = object["gap_token"], !(value is NSNull) {
      guard let id = value as? Int, id >= 0, id <= Int(Int32.max), !digits.contains(id) else {
        throw ExperimentError(
          source: path, field: "sudoku.gap_token",
          problem: "expected a token id that is not a digit token")
      }
      gap = Int32(id)
    }
    if stride > 9 && gap == nil {
      throw ExperimentError(
        source: path, field: "sudoku.gap_token",
        problem: "missing; a row_stride above 9 leaves positions between rows to fill")
    }
    return SudokuLayout(digitTokens: digits.map(Int32.init), rowStride: stride, gapToken: gap)
  }
}
