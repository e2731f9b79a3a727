import Foundation
import Unmask
import UnmaskExperiments
import UnmaskTestSupport

/// A predictor that knows one Sudoku solution: at every cell position of the layout's canvas it
/// puts a logit on the solution's digit token, scaled per cell so that confidence
/// orders differ from position order; with `wrongCell` it prefers a wrong digit there.
final class SudokuOracle: MaskPredictor {
  let solution: [Int]
  let layout: SudokuLayout
  let wrongCell: Int?
  private(set) var calls = 0
  let vocabularySize = 96

  init(solution: [Int], layout: SudokuLayout = .shipped, wrongCell: Int? = nil) {
    self.solution = solution
    self.layout = layout
    self.wrongCell = wrongCell
  }

  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    calls += 1
    var m = Matrix(rows: tokens.count, columns: vocabularySize)
    for cell in 0..<81 where layout.position(ofCell: cell) < tokens.count {
      var digit = solution[cell]
      if cell == wrongCell { digit = digit % 9 + 1 }
      m[layout.position(ofCell: cell), Int(layout.digitTokens[digit - 1])] = 2 + Float(cell % 7)
    }
    return m
  }
}

extension SudokuLayout {
  /// The shipped model's layout (models/sudoku-llada/unmask.json).
  static let shipped = SudokuLayout(
    digitTokens: (1...9).map(Int32.init), rowStride: 17, gapToken: 11)
}

enum Samples {
  static let puzzle =
    "006078040039000050000300600603000209028000316090032000961040832372019560584060097"
  static let solution =
    "216578943839426751745391628653184279428957316197632485961745832372819564584263197"
  static func digits(_ s: String) -> [Int] { s.map { $0.wholeNumberValue ?? -1 } }

  /// Writes `text` to a fresh temporary file and returns its path.
  static func file(_ text: String, name: String = "data.jsonl") throws -> String {
    let dir = try ScratchFolder.make("experiments")
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }
}
