import UnmaskCore

/// One full pass per step over the run's canvas, computing only the rows the step reads.
final class PlainLogits: LogitSource {
  let model: MaskPredictor
  private var rows = LogitRows.all

  init(model: MaskPredictor) { self.model = model }

  var passesPerStep: Int { 1 }

  func plan(_ run: Run, block: Range<Int>, stepInBlock: Int, rows: LogitRows) throws
    -> [ForwardCanvas]
  {
    self.rows = rows
    return [ForwardCanvas(tokens: run.canvas, rows: rows)]
  }

  func logits(from results: [Matrix], of run: Run) throws -> (logits: Matrix, rows: LogitRows) {
    try run.checkShape(results[0], vocabularySize: model.vocabularySize, rows: rows)
    return (results[0], rows)
  }
}
