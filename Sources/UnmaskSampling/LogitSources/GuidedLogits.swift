import UnmaskCore

/// LLaDA's classifier-free guidance: each step also runs the unconditional canvas (the prompt
/// masked), and the logits are `un + (scale + 1) · (cond − un)` in float32.
final class GuidedLogits: LogitSource {
  let model: MaskPredictor
  let scale: Double
  private var rows = LogitRows.all

  init(model: MaskPredictor, scale: Double) {
    self.model = model
    self.scale = scale
  }

  var passesPerStep: Int { 2 }

  func plan(_ run: Run, block: Range<Int>, stepInBlock: Int, rows: LogitRows) throws
    -> [ForwardCanvas]
  {
    self.rows = rows
    return [
      ForwardCanvas(tokens: run.canvas, rows: rows),
      ForwardCanvas(tokens: run.unconditionalCanvas, rows: rows),
    ]
  }

  func logits(from results: [Matrix], of run: Run) throws -> (logits: Matrix, rows: LogitRows) {
    for result in results {
      try run.checkShape(result, vocabularySize: model.vocabularySize, rows: rows)
    }
    var cond = results[0]
    let un = results[1]
    let factor = Float(scale + 1)
    for i in 0..<cond.values.count {
      let u = un.values[i]
      cond.values[i] = u + factor * (cond.values[i] - u)
    }
    return (cond, rows)
  }
}
