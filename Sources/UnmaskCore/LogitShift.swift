/// Which network row generation reads for each position.
///
/// LLaDA was trained to predict position `i` from row `i`. Dream keeps the autoregressive shift
/// of the Qwen2 model it started from: row `i` predicts position `i + 1`, so generation reads
/// `cat([logits[:, :1], logits[:, :-1]])` (`generation_utils.py`): position `p` reads raw row
/// `p - 1`, and the first position its own row. A window pass (Fast-dLLM's block sampler) shifts
/// inside the window's logits, so the window's first position reads its own raw row; the
/// reference commits that position at the block's start, so the row is never read while masked.
///
/// The model applies its shift in `logits(for:)`, so the sampler never has to know; a sampler
/// setting may also ask for it around any model (dllm's `right_shift_logits`).
public enum LogitShift: Sendable {
  /// Row `i` predicts position `i`.
  case none
  /// Row `i - 1` predicts position `i` (the window's first position reads its own row).
  case previousRow

  /// The logits of `request` as generation reads them, from `raw`, the network's own rows. A
  /// canvas asking for some positions has the network compute only the raw rows they read.
  public func logits(
    for request: ForwardRequest, raw: (ForwardRequest) throws -> [Matrix]
  ) throws -> [Matrix] {
    guard case .previousRow = self else { return try raw(request) }
    var rawRequest = request
    var rowOf: [[Int]?] = []
    for (k, canvas) in request.canvases.enumerated() {
      guard let positions = canvas.rows.positions else {
        rowOf.append(nil)
        continue
      }
      let mapped = Self.rawRows(reading: positions, first: canvas.window.lowerBound)
      rawRequest.canvases[k].rows = .positions(mapped.raw)
      rowOf.append(mapped.rowOf)
    }
    return zip(try raw(rawRequest), rowOf).map { computed, rows in
      rows.map { LogitRows.gather($0, from: computed) } ?? Self.shifted(computed)
    }
  }

  /// The raw rows that shifted `positions` read (ascending, distinct), and which of them each
  /// position reads: position p reads p - 1, and `first` (the canvas's or a window's first
  /// position) its own row.
  static func rawRows(reading positions: [Int], first: Int) -> (raw: [Int], rowOf: [Int]) {
    var raw: [Int] = []
    var rowOf: [Int] = []
    for position in positions.map({ max($0 - 1, first) }) {
      if raw.last != position { raw.append(position) }
      rowOf.append(raw.count - 1)
    }
    return (raw, rowOf)
  }

  /// Row i = row i - 1, row 0 kept (`cat([logits[:, :1], logits[:, :-1]])`).
  static func shifted(_ raw: Matrix) -> Matrix {
    var logits = raw
    let v = logits.columns
    logits.values.withUnsafeMutableBufferPointer { values in
      guard let base = values.baseAddress, logits.rows > 1 else { return }
      (base + v).update(from: base, count: (logits.rows - 1) * v)
    }
    return logits
  }
}
