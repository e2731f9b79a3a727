import UnmaskCore
import UnmaskKernels

/// Forward passes a strategy ran through `StepContext.predict` during one step.
final class ExtraPasses {
  var count = 0
}

/// The state of one run: canvas, generator, strategy, proposer and counters.
struct Run {
  let settings: DenoisingSettings
  let promptLength: Int
  var canvas: [Int32]
  /// `[T]`: which positions are masked now. A commit clears a position, a remask sets it again:
  /// "masked" is a state of the position that a strategy may set, not a one-way door. On a
  /// mask-token model a masked position holds the mask id.
  var masked: [Bool]
  /// `[T]`: where the starting canvas held a mask (every other position is fixed).
  let editable: [Bool]
  /// Positions filled with EOS by `--eos-fill`, and the scheduled passes that saved.
  var eosFilled = 0
  var forwardPassesSaved = 0
  var rng: SeededGenerator
  var strategy: any RemaskingStrategy
  let schedule: any NoiseSchedule
  var proposer: TokenProposer
  /// One proposer per thread of a parallel `propose` (a proposer's buffers are its own), made
  /// on first use.
  var threadProposers: [TokenProposer] = []
  var forwardPasses = 0
  /// Rows the passes computed, and rows whole-canvas passes would have (`DenoisingResult`).
  var positionsComputed = 0
  var positionsWithoutCache = 0
  var stepIndex = 0
  /// Where the logits come from: the one owner of the cache policy.
  var source: any LogitSource
  /// Ask the model only for the rows the strategy reads (`Denoiser.restrictsLogitRows`).
  var restrictsLogitRows = false
  /// Where each position's row is in this step's logits.
  var rowIndex = RowIndex(.all, canvasLength: 0)
  /// `[T]`: masks a finished block left behind (its model proposed the mask id) that later
  /// blocks do not reconsider, as the block-wise references (block diffusion, dllm's BD3LM,
  /// Fast-dLLM's caches) look at the current block's masks only. LLaDA's `generate()` keeps them as
  /// candidates, and so do runs after the prompt without a cache.
  var leftBehind: [Bool] = []
  /// Commits of the mask id in the current block: each spent a unit of LLaDA's fixed plan
  /// without unmasking, so the block's last step commits the plan's count, not every mask.
  var maskIDCommitsInBlock = 0

  init(
    settings: DenoisingSettings, canvas: [Int32], promptLength: Int, vocabularySize: Int,
    strategy: any RemaskingStrategy, schedule: any NoiseSchedule, source: any LogitSource
  ) {
    self.settings = settings
    self.promptLength = promptLength
    self.canvas = canvas
    masked = canvas.map { $0 == settings.maskID }
    editable = masked
    leftBehind = [Bool](repeating: false, count: canvas.count)
    self.source = source
    rng = SeededGenerator(seed: settings.seed)
    self.strategy = strategy
    self.schedule = schedule
    proposer = TokenProposer(settings: settings, vocabularySize: vocabularySize)
  }

  /// The block's positions: after the prompt, or on the canvas grid (`BlockLayout`); dllm's
  /// last block ends with the generated span (`afterPromptRagged`).
  func blockRange(_ block: Int) -> Range<Int> {
    let origin = settings.blockLayout.isGrid ? 0 : promptLength
    let lower = origin + block * settings.blockLength
    let upper = lower + settings.blockLength
    switch settings.blockLayout {
    case .canvasGridNextToken: return lower..<min(upper, canvas.count)  // the next token alone
    case .afterPromptRagged: return lower..<max(lower, min(upper, generatedEnd))
    case .afterPrompt, .canvasGrid: return lower..<upper
    }
  }

  /// Whether an EOS in `block` or before it ends the run (`endAfterEOSBlock`): any EOS in the
  /// generated span so far, not EoT (LLaDA2's `eos_early_stop` looks for EOS alone). Fast-dLLM
  /// v2's `batch_sample` ends on a stop token its passes committed in the block (`finished`);
  /// the next token at the block's start was appended from the previous block, not committed,
  /// so an EOS there does not end the run.
  func endsRun(after block: Int) -> Bool {
    let range = blockRange(block)
    let from =
      settings.blockLayout == .canvasGridNextToken
      ? max(promptLength, range.lowerBound + 1) : promptLength
    let upper = min(range.upperBound, canvas.count)
    let ends = settings.eosIDs
    return canvas[min(from, upper)..<upper].contains { ends.contains($0) }
  }

  /// The first block the run denoises: on the canvas grid, the one the prompt ends in (blocks
  /// wholly inside the prompt are skipped, as the references' `prefill_blocks`).
  var firstBlock: Int {
    settings.blockLayout.isGrid ? promptLength / settings.blockLength : 0
  }

  /// One past the last block: on the canvas grid the canvas holds whole blocks (`Denoiser`
  /// rounds it up).
  var blockEnd: Int {
    let b = settings.blockLength
    switch settings.blockLayout {
    case .afterPrompt, .afterPromptRagged: return settings.blockCount
    case .canvasGrid: return canvas.count / b
    case .canvasGridNextToken: return (canvas.count + b - 1) / b
    }
  }

  /// End of the generated span (a suffix may follow; Fast-dLLM v2's runs to the canvas end).
  var generatedEnd: Int {
    settings.blockLayout == .canvasGridNextToken ? canvas.count : promptLength + settings.length
  }

  /// The positions whose masks belong to `block`: its range, widened to the canvas start for
  /// the first block (masks in the prompt) and to the canvas end for the last (a suffix).
  func countRange(_ block: Int) -> Range<Int> {
    let range = blockRange(block)
    guard settings.blockLayout.startsAtPrompt else { return range }
    let lower = block == 0 ? 0 : range.lowerBound
    let upper = block == settings.blockCount - 1 ? canvas.count : range.upperBound
    return lower..<upper
  }

  func maskCount(in range: Range<Int>) -> Int {
    range.reduce(0) { $0 + (masked[$1] ? 1 : 0) }
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
    if (settings.stopWhenBlockComplete || source.leavesCompleteBlocks) && complete { return false }
    // `eosFill` ends a block it completed, and skips the later blocks it filled.
    if eosFilled > 0 && complete { return false }
    return stepInBlock < settings.stepsPerBlock
  }

  /// One denoising step on `given`, the logits the run's `LogitSource` made of this step's
  /// pass (`rows`: `.all` for `[T, V]`, or the positions of `[n, V]`): proposals, count,
  /// commits, remasks, edits, and the step event.
  mutating func step(
    model: MaskPredictor, block: Int, range: Range<Int>, stepInBlock: Int, counter: CommitCounter,
    given: (logits: Matrix, seconds: Double, rows: LogitRows)
  ) throws -> DenoisingStep {
    let (candidates, candidateEnd) = candidates(block: block)
    forwardPasses += source.passesPerStep
    var logits = given.logits
    let modelTime = Duration.seconds(given.seconds)
    rowIndex = RowIndex(given.rows, canvasLength: canvas.count)
    if settings.logitsEosInf, let eos = settings.eosID, Int(eos) < logits.columns {
      for row in 0..<logits.rows { logits[row, Int(eos)] = -.infinity }
    }
    applyMinimumLength(to: &logits)
    let maskedBefore = masked.reduce(0) { $0 + ($1 ? 1 : 0) }
    // A source may compute fewer rows than asked (Fast-dLLM v2's block cache computes the
    // current sub-block alone): proposals are made where it did.
    let proposals = propose(logits: logits, at: candidates.filter(rowIndex.contains))
    let laterProposals =
      settings.scoreAllMasked ? proposeBeyondBlock(logits: logits, from: candidateEnd) : []
    // Threshold-style strategies may run past the grid: they stay on its last interval.
    let timeIndex = min(stepInBlock, counter.times.count - 2)
    let time = counter.times[timeIndex]
    let nextTime = counter.times[timeIndex + 1]
    if stepInBlock == 0 { maskIDCommitsInBlock = 0 }
    let count = counter.count(
      step: stepInBlock, maskedNow: candidates.count, spentOnMaskID: maskIDCommitsInBlock,
      rng: &rng)
    let extraPasses = ExtraPasses()
    var context = StepContext(
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
    context.quota = counter.plan.map { $0[min(stepInBlock, $0.count - 1)] } ?? context.count
    context.logitRows = given.rows
    let chosen =
      source.blockStartCommit(context, block: range) ?? strategy.selectCommits(context, rng: &rng)
    if strategy.runsUntilBlockComplete && chosen.isEmpty && !proposals.isEmpty {
      // The block would never complete: a strategy that ignores the count must commit.
      throw SamplingError.noProgress(strategy: strategy.name.rawValue, step: stepIndex)
    }
    let remasked = strategy.selectRemasks(context, committed: chosen, rng: &rng)
    forwardPasses += extraPasses.count
    let commits = commit(chosen, proposals: proposals)
    var edits: [DenoisingStep.Commit] = []
    // Edits change generated tokens only; a strategy that reproduces a reference's rewrites of
    // fixed tokens (SDAR's top-k over the whole block) may change any unmasked one in the block.
    let rewritesFixed = strategy.rewritesFixedTokens
    for edit in strategy.selectEdits(context, committed: chosen, rng: &rng)
    where !masked[edit.position]
      && (editable[edit.position] || (rewritesFixed && range.contains(edit.position)))
    {
      canvas[edit.position] = edit.token
      // An edit to the mask id makes the position a mask again (the reference finds it as
      // `x == mask_id` and commits it at a later pass).
      masked[edit.position] = edit.token == settings.maskID
      edits.append(.init(position: edit.position, token: edit.token, score: Float(edit.score)))
    }
    if strategy.runsUntilBlockComplete, settings.temperature == 0, !commits.isEmpty,
      commits.allSatisfy({ $0.token == settings.maskID }), remasked.isEmpty, edits.isEmpty
    {
      // Greedy, the next pass sees the same canvas and proposes the same mask ids: the
      // references' loops never end here; this one says why.
      throw SamplingError.onlyMaskProposed(strategy: strategy.name.rawValue, step: stepIndex)
    }
    for position in remasked {
      canvas[position] = settings.maskID
      masked[position] = true
    }
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
    return ((0..<end).filter { masked[$0] && !leftBehind[$0] }, end)
  }

  /// Ends `block`: on the canvas grid, under a cache that leaves complete blocks, or in dllm's
  /// block-causal BD3LM loop, masks still in its generated positions are left behind (see
  /// `leftBehind`).
  mutating func finish(block: Int) {
    guard settings.blockLayout.isGrid || source.leavesCompleteBlocks || settings.blockCausal
    else { return }
    for position in blockRange(block) where position >= promptLength && masked[position] {
      leftBehind[position] = true
    }
  }

  /// The rows this step reads: the candidates (and the masks after the block when traces score
  /// them) if the strategy reads no other row, else all.
  func logitRows(candidates: [Int], block: Range<Int>) -> LogitRows {
    guard restrictsLogitRows, strategy.readsLogitRows != .all else { return .all }
    var rows = Set(candidates)
    if strategy.readsLogitRows == .block { rows.formUnion(block) }
    if settings.scoreAllMasked { rows.formUnion((0..<canvas.count).filter { masked[$0] }) }
    return .positions(rows.sorted())
  }

  /// The canvas with the prompt masked: the unconditional input of classifier-free guidance.
  var unconditionalCanvas: [Int32] {
    var unconditional = canvas
    for i in 0..<promptLength { unconditional[i] = settings.maskID }
    return unconditional
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
    // Greedy proposals draw nothing, so their rows split over the threads with the same
    // results; at LLaDA's vocabulary a row is a float64 softmax and entropy over 126,464
    // logits, and one block of 992 masks (canvas 1024) took 1.17 s per step on one thread.
    let threads = Self.proposalThreads(
      rows: candidates.count, vocabulary: logits.columns, drawsNothing: proposer.drawsNothing,
      threads: ComputeThreads.count)
    if threads > 1 { return proposeInParallel(logits: logits, at: candidates, threads: threads) }
    var proposals: [Proposal] = []
    proposals.reserveCapacity(candidates.count)
    let v = logits.columns
    logits.values.withUnsafeBufferPointer { all in
      for position in candidates {
        let row = rowIndex.row(of: position, in: all, columns: v)
        proposals.append(proposer.propose(row: row, position: position, rng: &rng))
      }
    }
    return proposals
  }

  /// How many threads `propose` splits `rows` rows of `vocabulary` logits over: one unless the
  /// proposer draws nothing, each thread gets two rows or more, and there are 2^18 logits or
  /// more (about a millisecond of work, many hand-offs' worth).
  static func proposalThreads(rows: Int, vocabulary: Int, drawsNothing: Bool, threads: Int)
    -> Int
  {
    guard drawsNothing, rows * vocabulary >= 1 << 18 else { return 1 }
    return max(1, min(threads, rows / 2))
  }

  /// `propose` for a proposer that draws nothing: the candidates in one contiguous share per
  /// thread, each thread with a proposer of its own.
  private mutating func proposeInParallel(logits: Matrix, at candidates: [Int], threads: Int)
    -> [Proposal]
  {
    let v = logits.columns
    while threadProposers.count < threads {
      threadProposers.append(TokenProposer(settings: settings, vocabularySize: v))
    }
    var proposals = [Proposal](
      repeating: Proposal(position: 0, token: 0, confidence: 0, margin: 0, negativeEntropy: 0),
      count: candidates.count)
    let generator = rng
    let rowIndex = rowIndex
    proposals.withUnsafeMutableBufferPointer { out in
      threadProposers.withUnsafeMutableBufferPointer { proposers in
        logits.values.withUnsafeBufferPointer { all in
          ComputeThreads.parallelFor(threads) { share in
            var unused = generator
            let end = candidates.count * (share + 1) / threads
            for i in (candidates.count * share / threads)..<end {
              let row = rowIndex.row(of: candidates[i], in: all, columns: v)
              out[i] = proposers[share].propose(row: row, position: candidates[i], rng: &unused)
            }
          }
        }
      }
    }
    return proposals
  }

  /// Statistics at the masked positions after the block, for observers only: drawn from a copy
  /// of the generator, so the run's random stream and its commits do not change.
  mutating func proposeBeyondBlock(logits: Matrix, from start: Int) -> [Proposal] {
    let later = (start..<canvas.count).filter { masked[$0] }
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
      guard let token = c.token ?? tokenAt[c.position], masked[c.position] else { continue }
      canvas[c.position] = token
      // A committed mask id leaves the position a mask, as in every reference loop (each
      // step finds its masks as `x == mask_id`): it is proposed again at the next step.
      masked[c.position] = token == settings.maskID
      if masked[c.position] { maskIDCommitsInBlock += 1 }
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

  /// The logits of `position` in a step's `[rows, columns]` logits `all`.
  func row(of position: Int, in all: UnsafeBufferPointer<Float>, columns: Int)
    -> UnsafeBufferPointer<Float>
  {
    let r = self[position]
    return UnsafeBufferPointer(rebasing: all[(r * columns)..<((r + 1) * columns)])
  }

  /// Whether `position` has a row.
  func contains(_ position: Int) -> Bool { rows.map { $0[position] >= 0 } ?? true }
}
