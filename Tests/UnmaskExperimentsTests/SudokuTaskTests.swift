import Foundation
import Testing
import Unmask
import UnmaskExperiments

@Suite struct SudokuTaskTests {
  let puzzle: SudokuPuzzle

  init() throws {
    puzzle = try SudokuPuzzle.parse(
      puzzle: Samples.puzzle, solution: Samples.solution, source: "t", line: 1)
  }

  @Test func solutionChecks() {
    let solution = Samples.digits(Samples.solution)
    #expect(puzzle.isSolved(by: solution))
    var swapped = solution  // two cells of a row swapped: rows stay valid, columns do not
    swapped.swapAt(0, 1)
    #expect(!puzzle.isSolved(by: swapped))
    #expect(!puzzle.isSolved(by: Array(solution.dropLast())))
    #expect(puzzle.blanks == Samples.puzzle.filter { $0 == "0" }.count)
  }

  @Test func aValidGridThatChangesAGivenDoesNotCount() {
    // Relabel digits 1 <-> 2 of the solution: still a valid grid, but givens change.
    let relabelled = Samples.digits(Samples.solution).map { $0 == 1 ? 2 : $0 == 2 ? 1 : $0 }
    #expect(!puzzle.isSolved(by: relabelled))
    #expect(SudokuPuzzle(cells: [Int](repeating: 0, count: 81)).isSolved(by: relabelled))
  }

  @Test(arguments: [
    ("{\"puzzle\": \"123\"}", "puzzle"),
    ("{\"solution\": \"\(Samples.solution)\"}", "puzzle"),
    ("{\"puzzle\": \"\(Samples.puzzle)\", \"solution\": \"\(Samples.puzzle)\"}", "solution"),
    ("{\"puzzle\": 5}", "puzzle"),
  ])
  func badLinesNameLineAndField(line: String, field: String) throws {
    let path = try Samples.file("{\"puzzle\": \"\(Samples.puzzle)\"}\n\n" + line + "\n")
    #expect {
      _ = try SudokuPuzzle.readJSONL(path: path)
    } throws: { error in
      guard let e = error as? ExperimentError else { return false }
      return e.line == 3 && e.field == field && e.source == path
    }
  }

  @Test func malformedJSONNamesTheLine() throws {
    let path = try Samples.file("{\"puzzle\": \"\(Samples.puzzle)\"}\n{oops\n")
    #expect(throws: ExperimentError(source: path, line: 2, problem: "not valid JSON")) {
      _ = try SudokuPuzzle.readJSONL(path: path)
    }
  }

  @Test func canvasHoldsGivensMasksAndGaps() {
    let layout = SudokuLayout.shipped
    let canvas = layout.canvas(for: puzzle, maskID: 10)
    #expect(canvas.count == 145 && layout.canvasLength == 145)
    #expect(canvas[0] == 10 && canvas[2] == 6 && canvas[8] == 10)  // row 0: 006078040
    #expect(Array(canvas[9..<17]) == [Int32](repeating: 11, count: 8))  // gap after row 0
    #expect(canvas[17] == 10 && canvas[18] == 3)  // row 1 starts at 17: 039000050
    #expect(canvas.filter { $0 == 10 }.count == puzzle.blanks)
    #expect(canvas.filter { $0 == 11 }.count == 64)
    #expect(layout.digits(of: canvas) == puzzle.cells)
    // Nine consecutive cells when the stride is 9: no gaps, no gap token needed.
    let plain = SudokuLayout(digitTokens: layout.digitTokens)
    #expect(plain.canvas(for: puzzle, maskID: 10).count == 81)
    #expect(plain.digits(of: plain.canvas(for: puzzle, maskID: 10)) == puzzle.cells)
  }

  @Test func oneCellPerStepByDefault() throws {
    let task = SudokuTask(puzzles: [puzzle], layout: .shipped)
    var base = DenoisingSettings.preset(.llada)
    base.maskID = 10
    let item = try task.prepare(0, base: base)
    #expect(item.settings.steps == puzzle.blanks && item.settings.length == 145)
    #expect(item.settings.blockLength == 145 && item.promptLength == 0)
    let fixed = try SudokuTask(puzzles: [puzzle], layout: .shipped, steps: 8).prepare(0, base: base)
    #expect(fixed.settings.steps == 8)
  }

  @Test(arguments: [Strategy.confidence, .margin, .entropy, .random])
  func oracleSolvesWithEveryOrderAndGivensStay(strategy: Strategy) throws {
    var settings = DenoisingSettings.preset(.llada)
    settings.maskID = 10
    settings.temperature = 0
    settings.strategy = strategy
    let oracle = SudokuOracle(solution: Samples.digits(Samples.solution))
    var records: [EvalItemRecord] = []
    let summary = try EvalRunner(model: oracle).run(
      task: SudokuTask(puzzles: [puzzle], layout: .shipped), settings: settings,
      onItem: { records.append($0) })
    #expect(summary.correct == 1 && summary.n == 1)
    #expect(summary.forwardPasses == puzzle.blanks && oracle.calls == puzzle.blanks)
    #expect(summary.tokensPerForward == 1)
    #expect(records.first?.output == Samples.solution)
  }

  @Test func aWrongCellFails() throws {
    var settings = DenoisingSettings.preset(.llada)
    settings.maskID = 10
    settings.temperature = 0
    let blank = Samples.puzzle.firstIndex(of: "0")!.utf16Offset(in: Samples.puzzle)
    let oracle = SudokuOracle(solution: Samples.digits(Samples.solution), wrongCell: blank)
    let summary = try EvalRunner(model: oracle).run(
      task: SudokuTask(puzzles: [puzzle], layout: .shipped), settings: settings)
    #expect(summary.correct == 0 && summary.accuracy == 0)
    #expect(summary.ci95.lower == 0 && summary.ci95.upper > 0.7)
  }

  @Test func layoutFromUnmaskJSON() throws {
    func folder(_ sudoku: String) throws -> URL {
      let path = try Samples.file(
        "{\"task\": \"sudoku\", \"sudoku\": {\(sudoku)}}", name: "unmask.json")
      return URL(fileURLWithPath: path).deletingLastPathComponent()
    }
    let digits = "\"digit_tokens\": [1,2,3,4,5,6,7,8,9]"
    #expect(
      try SudokuLayout.load(modelFolder: folder(digits + ", \"row_stride\": 17, \"gap_token\": 11"))
        == .shipped)
    #expect(try SudokuLayout.load(modelFolder: folder(digits)).rowStride == 9)
    let bad: [(String, String)] = [
      ("\"digit_tokens\": [1,2,3]", "sudoku.digit_tokens"),
      (digits + ", \"row_stride\": 8", "sudoku.row_stride"),
      (digits + ", \"row_stride\": 17", "sudoku.gap_token"),
      (digits + ", \"row_stride\": 17, \"gap_token\": 5", "sudoku.gap_token"),
      (digits + ", \"cell_prompt_first_token\": 11", "sudoku.cell_prompt_first_token"),
    ]
    for (object, field) in bad {
      #expect {
        _ = try SudokuLayout.load(modelFolder: folder(object))
      } throws: { ($0 as? ExperimentError)?.field == field }
    }
    // The shipped model's file.
    let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../models/sudoku-llada").standardized
    #expect(try SudokuLayout.load(modelFolder: shipped) == .shipped)
  }
}
