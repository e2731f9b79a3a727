import UnmaskKernels

/// Runs masked-diffusion generation: a model, a remasking strategy, a schedule and options.
///
/// The loop (LLaDA `generate()`, Fast-dLLM `generate()`, Dream `_sample()` in one):
/// canvas = prompt + `length` masks; for each semi-autoregressive block, for each step:
/// logits (with guidance) -> EOS control -> proposals at the candidates (masked positions up to
/// the block's end) -> the schedule's count -> the strategy's commits (and remasks) -> a
/// `DenoisingStep` to every observer.
///
/// ```swift
/// let denoiser = try Denoiser(model: model, settings: .preset(.llada))
/// let result = try denoiser.generate(prompt: ids)
/// ```
public final class Denoiser {
  /// The model, as "tokens in, logits out".
  public let model: MaskPredictor
  /// The validated settings of every run of this denoiser.
  public let settings: DenoisingSettings

  /// The strategy every run starts from (a fresh copy per run).
  public let strategy: any RemaskingStrategy
  /// The schedule every run uses.
  public let schedule: any NoiseSchedule
  /// Whether steps ask the model only for the logit rows the strategy reads (on by default;
  /// the rows read are the same bits either way, so turning it off changes only the time: the
  /// benchmark's baseline).
  public var restrictsLogitRows = true

  /// A denoiser; throws `SamplingError` when the settings are impossible.
  public convenience init(model: MaskPredictor, settings: DenoisingSettings) throws {
    var strategy = settings.makeStrategy()
    // Here, where V is known, so that an unreadable file (PC-Sampler's) is a one-line error.
    try strategy.prepare(vocabularySize: model.vocabularySize)
    try self.init(
      model: model, settings: settings, strategy: strategy, schedule: settings.makeSchedule())
  }

  /// A denoiser with a strategy or schedule object of your own (an experiment without a
  /// descriptor yet). Traces record `settings`, so set `settings.strategy` / `settings.schedule`
  /// to the closest one, or give the plug-in a descriptor (`StrategyRegistry.register`) and use
  /// `init(model:settings:)`, which records its own name.
  public init(
    model: MaskPredictor, settings: DenoisingSettings, strategy: any RemaskingStrategy,
    schedule: any NoiseSchedule
  ) throws {
    try settings.validate()
    if Int(settings.maskID) >= model.vocabularySize {
      throw SamplingError.invalidSetting(
        field: "mask-id",
        message: "\(settings.maskID) is outside the vocabulary (\(model.vocabularySize))")
    }
    if settings.cache != .none && !(model is any KVCachingPredictor) {
      throw SamplingError.invalidSetting(
        field: "cache", message: "\(settings.cache.rawValue) needs a model with a key/value cache")
    }
    self.model = model
    self.settings = settings
    self.strategy = strategy
    self.schedule = schedule
  }

  /// Generates `settings.length` tokens after `prompt`, before the fixed `suffix`; observers
  /// see every step and may stop. `prompt` and `suffix` may hold the mask id: those positions
  /// are filled too (see `generate(canvas:promptLength:observers:)`).
  public func generate(
    prompt: [Int32], suffix: [Int32] = [], observers: [DenoisingObserver] = []
  ) throws -> DenoisingResult {
    let canvas = prompt + [Int32](repeating: settings.maskID, count: settings.length) + suffix
    return try generate(canvas: canvas, promptLength: prompt.count, observers: observers)
  }

  /// Fills every mask of `canvas`; the other tokens are fixed and never change.
  ///
  /// The semi-autoregressive blocks tile the generated span
  /// `promptLength..<promptLength + settings.length`. Masks before the span (in the prompt)
  /// join the first block and masks after it (in a suffix) the last: they are candidates of
  /// that block from its first step and are counted in its budget `M` (LLaDA's
  /// `get_num_transfer_tokens` and Dream's `int(M * (1 - s/t))` alike), so with one block every
  /// mask of the canvas competes at every step, which is exactly Dream's `_sample` given these
  /// input ids. Tokens already in the span (not masks) are fixed as well.
  public func generate(
    canvas: [Int32], promptLength: Int, observers: [DenoisingObserver] = []
  ) throws -> DenoisingResult {
    guard promptLength >= 0, promptLength + settings.length <= canvas.count else {
      throw SamplingError.invalidPrompt(
        "the canvas holds \(canvas.count) tokens, fewer than the prompt's \(promptLength) plus "
          + "the \(settings.length) generated positions")
    }
    let start = ContinuousClock.now
    var run = Run(
      settings: settings, canvas: canvas, promptLength: promptLength,
      vocabularySize: model.vocabularySize, strategy: strategy, schedule: schedule)
    run.restrictsLogitRows = restrictsLogitRows
    if settings.cache != .none, let cached = model as? any KVCachingPredictor {
      run.kvCache = BlockKVCache(
        model: cached, mode: settings.cache, commitsBlockStartFirst: settings.proposal == .dream)
    }
    observers.forEach { $0.denoisingWillStart(canvas: run.canvas, promptLength: promptLength) }
    var stopped = false
    blocks: for block in 0..<settings.blockCount {
      let range = run.blockRange(block)
      let counter = CommitCounter(
        settings: settings, maskedAtStart: run.maskCount(in: run.countRange(block)),
        schedule: schedule)
      var stepInBlock = 0
      while run.shouldContinue(stepInBlock: stepInBlock, block: block) {
        let step = try run.step(
          model: model, block: block, range: range, stepInBlock: stepInBlock, counter: counter)
        stepInBlock += 1
        // Every observer sees the step, in order; any one of them may stop the run.
        let decisions = observers.map { $0.denoisingDidFinish(step) }
        if decisions.contains(.stop) {
          stopped = true
          break blocks
        }
        run.fillAfterEOS(block: block, stepInBlock: stepInBlock)
      }
    }
    observers.forEach { $0.denoisingDidEnd(canvas: run.canvas) }
    let elapsed = ContinuousClock.now - start
    var result = DenoisingResult(
      canvas: run.canvas, generated: Array(run.canvas[promptLength..<run.generatedEnd]),
      forwardPasses: run.forwardPasses,
      steps: run.stepIndex,
      seconds: elapsed.seconds,
      stoppedEarly: stopped)
    result.promptLength = promptLength
    result.eosFilled = run.eosFilled
    result.forwardPassesSaved = run.forwardPassesSaved
    if run.eosFilled > 0 && !stopped && !settings.stopWhenBlockComplete
      && !run.strategy.runsUntilBlockComplete
    {
      // A fixed schedule: every pass it planned and did not run was saved by the fill.
      let planned = settings.steps * (settings.cfgScale > 0 ? 2 : 1)
      result.forwardPassesSaved = max(0, planned - run.forwardPasses)
    }
    if settings.stopAtEOS, let end = run.firstEOS() {
      result.generated = Array(run.canvas[promptLength..<end])
    }
    return result
  }
}

/// Forward passes a strategy ran through `StepContext.predict` during one step.
final class ExtraPasses {
  var count = 0
}

/// The state of one run: canvas, generator, strategy, proposer and counters.
struct Run {
  let settings: DenoisingSettings
  let promptLength: Int
  var canvas: [Int32]
  /// `[T]`: where the starting canvas held a mask (every other position is fixed).
  let editable: [Bool]
  /// Positions filled with EOS by `--eos-fill`, and the scheduled passes that saved.
  var eosFilled = 0
  var forwardPassesSaved = 0
  var rng: SeededGenerator
  var strategy: any RemaskingStrategy
  let schedule: any NoiseSchedule
  var proposer: TokenProposer
  var forwardPasses = 0
  var stepIndex = 0
  /// Fast-dLLM's key/value cache, when the settings ask for one.
  var kvCache: BlockKVCache?
  /// Ask the model only for the rows the strategy reads (`Denoiser.restrictsLogitRows`).
  var restrictsLogitRows = false
  /// Where each position's row is in this step's logits.
  var rowIndex = RowIndex(.all, canvasLength: 0)

  init(
    settings: DenoisingSettings, canvas: [Int32], promptLength: Int, vocabularySize: Int,
    strategy: any RemaskingStrategy, schedule: any NoiseSchedule
  ) {
    self.settings = settings
    self.promptLength = promptLength
    self.canvas = canvas
    editable = canvas.map { $0 == settings.maskID }
    rng = SeededGenerator(seed: settings.seed)
    self.strategy = strategy
    self.schedule = schedule
    proposer = TokenProposer(settings: settings, vocabularySize: vocabularySize)
  }

  func blockRange(_ block: Int) -> Range<Int> {
    let lower = promptLength + block * settings.blockLength
    return lower..<(lower + settings.blockLength)
  }

  /// End of the generated span (a suffix may follow).
  var generatedEnd: Int { promptLength + settings.length }

  /// The positions whose masks belong to `block`: its range, widened to the canvas start for
  /// the first block (masks in the prompt) and to the canvas end for the last (a suffix).
  func countRange(_ block: Int) -> Range<Int> {
    let range = blockRange(block)
    let lower = block == 0 ? 0 : range.lowerBound
    let upper = block == settings.blockCount - 1 ? canvas.count : range.upperBound
    return lower..<upper
  }

  func maskCount(in range: Range<Int>) -> Int {
    range.reduce(0) { $0 + (canvas[$1] == settings.maskID ? 1 : 0) }
  }

  /// Counting strategies run the block's steps (Fast-dLLM: fewer once the block is complete);
  /// threshold-style strategies run until the block is complete.
  func shouldContinue(stepInBlock: Int, block: Int) -> Bool {
    let complete = maskCount(in: countRange(block)) == 0
    if let decision = strategy.continuesBlock(
      stepInBlock: stepInBlock, complete: complete, blockLength: settings.blockLength)
    {
      return decision
    }
    if strategy.runsUntilBlockComplete { return !complete }
    // Fast-dLLM's cached samplers always leave a block once it is complete.
    if (settings.stopWhenBlockComplete || kvCache != nil) && complete { return false }
    // `eosFill` ends a block it completed, and skips the later blocks it filled.
    if eosFilled > 0 && complete { return false }
    return stepInBlock < settings.stepsPerBlock
  }

  /// One denoising step: logits, proposals, count, commits, remasks, and the step event.
  /// `given`: logits already computed for this canvas by a batched pass (see `Denoiser+Batch`),
  /// of `rows` (`[n, V]` for `.positions`, as `logitRows(candidates:)` asked for them).
  mutating func step(
    model: MaskPredictor, block: Int, range: Range<Int>, stepInBlock: Int, counter: CommitCounter,
    given: (logits: Matrix, seconds: Double, rows: LogitRows)? = nil
  ) throws -> DenoisingStep {
    let (candidates, candidateEnd) = candidates(block: block)
    let modelStart = ContinuousClock.now
    if given != nil { forwardPasses += settings.cfgScale > 0 ? 2 : 1 }
    // Rows `[n, V]` of `rows.positions` when the pass was restricted, else `[T, V]`.
    // The cache's logits stay `[T, V]` (rows outside its window are the block start's), and
    // only its window pass is restricted to the rows read.
    let rows = given?.rows ?? logitRows(candidates: candidates)
    var logits =
      try given?.logits
      ?? kvCache.map { try cachedLogits($0, range: range, stepInBlock: stepInBlock, rows: rows) }
      ?? guidedLogits(model: model, rows: rows)
    let modelTime = given.map { Duration.seconds($0.seconds) } ?? ContinuousClock.now - modelStart
    // A given matrix holds `given.rows`; the cache's is `[T, V]`; a restricted pass's, `rows`.
    rowIndex = RowIndex(given?.rows ?? (kvCache == nil ? rows : .all), canvasLength: canvas.count)
    if settings.logitsEosInf, let eos = settings.eosID, Int(eos) < logits.columns {
      for row in 0..<logits.rows { logits[row, Int(eos)] = -.infinity }
    }
    applyMinimumLength(to: &logits)
    let maskedBefore = canvas.reduce(0) { $0 + ($1 == settings.maskID ? 1 : 0) }
    let proposals = propose(logits: logits, at: candidates)
    let laterProposals =
      settings.scoreAllMasked ? proposeBeyondBlock(logits: logits, from: candidateEnd) : []
    // Threshold-style strategies may run past the grid: they stay on its last interval.
    let timeIndex = min(stepInBlock, counter.times.count - 2)
    let time = counter.times[timeIndex]
    let nextTime = counter.times[timeIndex + 1]
    let count = counter.count(step: stepInBlock, maskedNow: candidates.count, rng: &rng)
    let extraPasses = ExtraPasses()
    let context = StepContext(
      canvasLength: canvas.count, proposals: proposals, count: min(count, proposals.count),
      time: time,
      nextTime: nextTime, stepInBlock: stepInBlock,
      isLastStep: stepInBlock >= settings.stepsPerBlock - 1, settings: settings,
      schedule: schedule, canvas: canvas, generatedRange: promptLength..<range.upperBound,
      blockRange: range, editable: editable, logits: logits,
      predict: { tokens in
        extraPasses.count += 1
        return try model.logits(for: tokens)
      })
    let chosen =
      kvCache?.blockStartCommit(context, block: range) ?? strategy.selectCommits(context, rng: &rng)
    if strategy.runsUntilBlockComplete && chosen.isEmpty && !proposals.isEmpty {
      // The block would never complete: a strategy that ignores the count must commit.
      throw SamplingError.noProgress(strategy: strategy.name.rawValue, step: stepIndex)
    }
    let remasked = strategy.selectRemasks(context, committed: chosen, rng: &rng)
    forwardPasses += extraPasses.count
    let commits = commit(chosen, proposals: proposals)
    var edits: [DenoisingStep.Commit] = []
    for edit in strategy.selectEdits(context, committed: chosen, rng: &rng)
    where editable[edit.position] && canvas[edit.position] != settings.maskID {
      canvas[edit.position] = edit.token
      edits.append(.init(position: edit.position, token: edit.token, score: Float(edit.score)))
    }
    for position in remasked { canvas[position] = settings.maskID }
    defer { stepIndex += 1 }
    var event = makeEvent(
      block: block, range: range, stepInBlock: stepInBlock, time: time, nextTime: nextTime,
      maskedBefore: maskedBefore, proposals: proposals + laterProposals, commits: commits,
      remasked: remasked,
      modelSeconds: modelTime.seconds)
    event.edited = edits
    return event
  }

  /// A step's candidates: every mask up to the block's end (the last block: to the canvas
  /// end), and that end.
  func candidates(block: Int) -> (positions: [Int], end: Int) {
    let end = countRange(block).upperBound
    return ((0..<end).filter { canvas[$0] == settings.maskID }, end)
  }

  /// The rows this step reads: the candidates (and the masks after the block when traces score
  /// them) if the strategy reads no other row, else all.
  func logitRows(candidates: [Int]) -> LogitRows {
    guard restrictsLogitRows, strategy.readsLogitRows == .candidates else { return .all }
    guard settings.scoreAllMasked else { return .positions(candidates) }
    return .positions((0..<canvas.count).filter { canvas[$0] == settings.maskID })
  }

  /// Logits of `rows` (`[T, V]`, or `[n, V]` for `.positions`), with LLaDA's classifier-free
  /// guidance when `cfgScale > 0`: the unconditional canvas masks the prompt,
  /// `un + (cfg + 1) * (cond - un)` in float32.
  mutating func guidedLogits(model: MaskPredictor, rows: LogitRows = .all) throws -> Matrix {
    let cond = try model.logits(for: canvas, rows: rows)
    forwardPasses += 1
    try checkShape(cond, vocabularySize: model.vocabularySize, rows: rows)
    guard settings.cfgScale > 0 else { return cond }
    let un = try model.logits(for: unconditionalCanvas, rows: rows)
    forwardPasses += 1
    try checkShape(un, vocabularySize: model.vocabularySize, rows: rows)
    return guided(cond, unconditional: un)
  }

  /// The canvas with the prompt masked: the unconditional input of classifier-free guidance.
  var unconditionalCanvas: [Int32] {
    var unconditional = canvas
    for i in 0..<promptLength { unconditional[i] = settings.maskID }
    return unconditional
  }

  /// `un + (cfg + 1) * (cond - un)` in float32.
  func guided(_ conditional: Matrix, unconditional un: Matrix) -> Matrix {
    var cond = conditional
    let scale = Float(settings.cfgScale + 1)
    for i in 0..<cond.values.count {
      let u = un.values[i]
      cond.values[i] = u + scale * (cond.values[i] - u)
    }
    return cond
  }

  /// Logits from the key/value cache (no guidance: settings validation refuses it).
  mutating func cachedLogits(
    _ cache: BlockKVCache, range: Range<Int>, stepInBlock: Int, rows: LogitRows
  ) throws -> Matrix {
    let logits = try cache.logits(
      canvas: canvas, block: range, stepInBlock: stepInBlock, rows: rows)
    forwardPasses += 1
    try checkShape(logits, vocabularySize: cache.model.vocabularySize)
    return logits
  }

  func checkShape(_ m: Matrix, vocabularySize: Int, rows: LogitRows = .all) throws {
    let expected = rows.positions?.count ?? canvas.count
    guard m.rows == expected, m.columns == vocabularySize, vocabularySize > 0 else {
      throw SamplingError.badLogits(
        expectedRows: expected, expectedColumns: vocabularySize, rows: m.rows,
        columns: m.columns)
    }
  }

  mutating func propose(logits: Matrix, at candidates: [Int]) -> [Proposal] {
    var proposals: [Proposal] = []
    proposals.reserveCapacity(candidates.count)
    let v = logits.columns
    logits.values.withUnsafeBufferPointer { all in
      for position in candidates {
        let r = rowIndex[position]
        let row = UnsafeBufferPointer(rebasing: all[(r * v)..<((r + 1) * v)])
        proposals.append(proposer.propose(row: row, position: position, rng: &rng))
      }
    }
    return proposals
  }

  /// Statistics at the masked positions after the block, for observers only: drawn from a copy
  /// of the generator, so the run's random stream and its commits do not change.
  mutating func proposeBeyondBlock(logits: Matrix, from start: Int) -> [Proposal] {
    let later = (start..<canvas.count).filter { canvas[$0] == settings.maskID }
    let saved = rng
    defer { rng = saved }
    return propose(logits: logits, at: later)
  }

  mutating func commit(_ chosen: [ScoredPosition], proposals: [Proposal]) -> [DenoisingStep.Commit]
  {
    var tokenAt: [Int: Int32] = [:]
    for p in proposals { tokenAt[p.position] = p.token }
    var commits: [DenoisingStep.Commit] = []
    for c in chosen {
      guard let token = tokenAt[c.position], canvas[c.position] == settings.maskID else { continue }
      canvas[c.position] = token
      commits.append(.init(position: c.position, token: token, score: Float(c.score)))
    }
    return commits
  }

  func makeEvent(
    block: Int, range: Range<Int>, stepInBlock: Int, time: Double, nextTime: Double,
    maskedBefore: Int,
    proposals: [Proposal], commits: [DenoisingStep.Commit], remasked: [Int], modelSeconds: Double
  ) -> DenoisingStep {
    var confidence = [Float](repeating: .nan, count: canvas.count)
    var margin = confidence
    var entropy = confidence
    for p in proposals {
      confidence[p.position] = Float(p.confidence)
      margin[p.position] = Float(p.margin)
      entropy[p.position] = Float(-p.negativeEntropy)
    }
    return DenoisingStep(
      index: stepIndex, block: block, stepInBlock: stepInBlock, time: time, nextTime: nextTime,
      promptLength: promptLength, blockRange: range, maskedBefore: maskedBefore, canvas: canvas,
      committed: commits, remasked: remasked, confidence: confidence, margin: margin,
      entropy: entropy,
      modelSeconds: modelSeconds)
  }
}

extension Duration {
  /// The duration in seconds.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) * 1e-18
  }
}

/// Where a position's row sits in a step's logits: row `i` of `[T, V]`, or its index among the
/// positions of a restricted pass (`[n, V]`).
struct RowIndex {
  private let rows: [Int]?

  init(_ logitRows: LogitRows, canvasLength: Int) {
    guard let positions = logitRows.positions else {
      rows = nil
      return
    }
    var rows = [Int](repeating: -1, count: canvasLength)
    for (j, position) in positions.enumerated() { rows[position] = j }
    self.rows = rows
  }

  /// The row of `position` (a position the pass was not asked for traps: a sampler bug).
  subscript(position: Int) -> Int {
    guard let rows else { return position }
    precondition(rows[position] >= 0, "position \(position)'s logits were not computed")
    return rows[position]
  }

  /// Whether `position` has a row.
  func contains(_ position: Int) -> Bool { rows.map { $0[position] >= 0 } ?? true }
}
