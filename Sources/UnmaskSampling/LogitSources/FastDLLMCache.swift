import UnmaskCore

/// Fast-dLLM's prefix and dual caches, driven as its cached samplers drive them, for one run.
///
/// - LLaDA (`llada/generate.py`, `generate_with_prefix_cache` / `generate_with_dual_cache`):
///   the block's step 0 is a full pass whose logits make an ordinary step (the schedule's first
///   count, or the threshold rule); steps 1... recompute the window.
/// - Dream (`dream/model/generation_utils_block.py`, `dual_cache` False = prefix): the same
///   passes, but step 0 commits only the block's first position (its greedy proposal), and the
///   later steps use the schedule from its step 1 on. Chosen when the proposal rule is Dream's.
///
/// The logits handed to the sampler are always `[T, V]`: the window's rows are fresh, the other
/// rows are those of the block's full pass (the sampler reads only the block's rows unless a
/// trace asks for scores beyond the block, which are then as stale as the cache). When a step
/// reads only some rows, the full pass computes only those (the rest of its `[T, V]` is NaN,
/// never read): a block start then skips the output head for the rest of the canvas.
final class FastDLLMCache: LogitSource {
  let model: any MaskPredictor
  let mode: CacheMode
  /// Fast-dLLM's Dream block sampler: step 0 commits the block's first position only.
  let commitsBlockStartFirst: Bool
  private var cache: KVCache?
  private var logits = Matrix(rows: 0, columns: 0)
  /// The pass planned for the current step.
  private var planned: (request: ForwardCanvas, fills: Bool)?

  init(model: any MaskPredictor, mode: CacheMode, commitsBlockStartFirst: Bool) {
    self.model = model
    self.mode = mode
    self.commitsBlockStartFirst = commitsBlockStartFirst
  }

  /// One pass per step.
  var passesPerStep: Int { 1 }
  /// Fast-dLLM's cached samplers leave a block once it is complete.
  var leavesCompleteBlocks: Bool { true }

  /// This step's pass: a full pass filling a fresh cache at a block's step 0, the window
  /// otherwise (prefix: `block.lowerBound..<T`; dual: `block`).
  ///
  /// `rows`: the positions the step reads (`.all`: every one). A pass then computes only
  /// those (still writing every position's keys and values): a window pass, those inside the
  /// window, whose other rows keep older logits; a full pass, those alone. The step reads no
  /// other row.
  func plan(_ run: Run, block: Range<Int>, stepInBlock: Int, rows: LogitRows) throws
    -> [ForwardCanvas]
  {
    let pass = try plan(canvas: run.canvas, block: block, stepInBlock: stepInBlock, rows: rows)
    planned = pass
    return [pass.request]
  }

  /// Logits `[T, V]`: the window's fresh rows over the block start's.
  func logits(from results: [Matrix], of run: Run) throws -> (logits: Matrix, rows: LogitRows) {
    guard let planned else { preconditionFailure("logits(from:) before plan") }
    let logits = try absorb(results[0], of: planned)
    try run.checkShape(logits, vocabularySize: model.vocabularySize)
    return (logits, .all)
  }

  /// The pass a step needs; its result goes to `absorb(_:of:)`. A block's step 0 makes the
  /// fresh cache that the pass fills.
  func plan(canvas: [Int32], block: Range<Int>, stepInBlock: Int, rows: LogitRows = .all) throws
    -> (request: ForwardCanvas, fills: Bool)
  {
    guard stepInBlock > 0, let cache, cache.positions == canvas.count else {
      guard let fresh = model.makeKVCache(positions: canvas.count) else {
        throw PredictorError.unsupported("it has no key/value cache")
      }
      cache = fresh
      let all = rows.positions.map { $0.count == canvas.count } ?? true
      return (
        ForwardCanvas(
          tokens: canvas, window: 0..<canvas.count, rows: all ? .all : rows, cache: fresh), true
      )
    }
    let window = mode == .prefix ? block.lowerBound..<canvas.count : block
    let inWindow = rows.positions.map { $0.filter(window.contains) } ?? Array(window)
    let request = ForwardCanvas(
      tokens: canvas, window: window,
      rows: inWindow.count == window.count ? .all : .positions(inWindow), cache: cache)
    return (request, false)
  }

  /// The step's logits `[T, V]` from the planned pass's result: all of them after a whole fill
  /// (a restricted fill's rows over NaN), else the window's computed rows written over the kept
  /// ones.
  func absorb(_ computed: Matrix, of pass: (request: ForwardCanvas, fills: Bool)) throws -> Matrix {
    let request = pass.request
    let positions = request.rows.positions ?? Array(request.window)
    let columns = pass.fills ? computed.columns : logits.columns
    guard computed.rows == positions.count, computed.columns == columns else {
      throw SamplingError.badLogits(
        expectedRows: positions.count, expectedColumns: columns, rows: computed.rows,
        columns: computed.columns)
    }
    if pass.fills {
      guard request.rows.positions != nil else {
        logits = computed
        return logits
      }
      // Rows the step does not read: NaN, so that reading one by mistake cannot pass as a
      // prediction.
      logits = Matrix(
        rows: request.tokens.count, columns: columns,
        values: [Float](repeating: .nan, count: request.tokens.count * columns))
    }
    let v = logits.columns
    for (j, position) in positions.enumerated() {
      logits.values.replaceSubrange(
        (position * v)..<((position + 1) * v), with: computed.values[(j * v)..<((j + 1) * v)])
    }
    return logits
  }

  /// Dream's block start: the block's first position alone, when this is step 0 and it is a
  /// candidate; nil when the strategy decides.
  func blockStartCommit(_ context: StepContext, block: Range<Int>) -> [ScoredPosition]? {
    guard commitsBlockStartFirst, context.stepInBlock == 0 else { return nil }
    guard let first = context.proposals.first(where: { $0.position == block.lowerBound }) else {
      return []
    }
    return [ScoredPosition(position: first.position, score: first.confidence)]
  }
}
