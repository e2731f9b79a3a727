/// A 9x9 Sudoku puzzle (81 cells, row-major, 0 = blank) and its reference solution.
public struct SudokuPuzzle: Equatable, Sendable {
  /// The 81 cells; 0 is a blank.
  public var cells: [Int]
  /// The reference solution (81 digits 1-9), when the data carries one.
  public var solution: [Int]?

  /// A puzzle; `cells` must hold 81 values in 0...9 (checked by `parse`, not here).
  public init(cells: [Int], solution: [Int]? = nil) {
    self.cells = cells
    self.solution = solution
  }

  /// Parses `"<81 chars, 0 = blank>"` (and a solution of 81 digits 1-9); errors name the field.
  public static func parse(
    puzzle: String, solution: String?, source: String, line: Int
  ) throws -> SudokuPuzzle {
    let cells = try digits(puzzle, allowed: 0...9, field: "puzzle", source: source, line: line)
    let answer = try solution.map {
      try digits($0, allowed: 1...9, field: "solution", source: source, line: line)
    }
    if let answer, zip(cells, answer).contains(where: { $0 != 0 && $0 != $1 }) {
      throw ExperimentError(
        source: source, line: line, field: "solution", problem: "changes a given digit")
    }
    return SudokuPuzzle(cells: cells, solution: answer)
  }

  private static func digits(
    _ text: String, allowed: ClosedRange<Int>, field: String, source: String, line: Int
  ) throws -> [Int] {
    let values = text.map { $0.wholeNumberValue ?? -1 }
    guard values.count == 81, values.allSatisfy(allowed.contains) else {
      throw ExperimentError(
        source: source, line: line, field: field,
        problem:
          "expected 81 digits \(allowed.lowerBound)-\(allowed.upperBound), got \(text.count) "
          + "characters \(values.count == 81 ? "with a character outside that range" : "")"
          .trimmingCharacters(in: .whitespaces))
    }
    return values
  }

  /// Number of blanks.
  public var blanks: Int { cells.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }

  /// True when `answer` is a complete valid grid (every row, column and box holds 1-9 once)
  /// that keeps every given digit. The reference solution is not needed: a puzzle with several
  /// solutions counts any of them.
  public func isSolved(by answer: [Int]) -> Bool {
    guard answer.count == 81, answer.allSatisfy({ (1...9).contains($0) }) else { return false }
    if zip(cells, answer).contains(where: { $0 != 0 && $0 != $1 }) { return false }
    for unit in Self.units {
      var seen = Set<Int>()
      for cell in unit where !seen.insert(answer[cell]).inserted { return false }
    }
    return true
  }

  /// The 27 units (rows, columns, boxes) as cell indices.
  public static let units: [[Int]] = {
    let rows = (0..<9).map { r in (0..<9).map { r * 9 + $0 } }
    let columns = (0..<9).map { c in (0..<9).map { $0 * 9 + c } }
    let boxes = (0..<9).map { b in
      (0..<9).map { i in ((b / 3) * 3 + i / 3) * 9 + (b % 3) * 3 + i % 3 }
    }
    return rows + columns + boxes
  }()

  /// Reads a JSONL file of `{"puzzle": ..., "solution": ...}` lines (solution optional).
  public static func readJSONL(path: String) throws -> [SudokuPuzzle] {
    try JSONLines.read(path: path).map { row in
      let puzzle = try JSONLines.string(row.object, "puzzle", source: path, line: row.line)
      let solution =
        row.object["solution"] == nil
        ? nil : try JSONLines.string(row.object, "solution", source: path, line: row.line)
      return try parse(puzzle: puzzle, solution: solution, source: path, line: row.line)
    }
  }
}
