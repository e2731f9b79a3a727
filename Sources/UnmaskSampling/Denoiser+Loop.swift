import UnmaskCore

/// One canvas for the denoising loop: the canvas (prompt, masks, an optional suffix), where the
/// generated span starts, and who watches its steps.
public struct DenoisingJob {
  /// The starting canvas; its masks are filled, every other token stays fixed.
  public var canvas: [Int32]
  /// Tokens before the generated span `promptLength..<promptLength + settings.length`.
  public var promptLength: Int
  /// Observers of this canvas's steps, in order; any may stop this canvas's run.
  public var observers: [DenoisingObserver]

  /// A job.
  public init(canvas: [Int32], promptLength: Int, observers: [DenoisingObserver] = []) {
    self.canvas = canvas
    self.promptLength = promptLength
    self.observers = observers
  }
}

/// One job in the loop: its run, where it is in its blocks, and its observers.
private struct Lane {
  var run: Run
  let observers: [DenoisingObserver]
  var block: Int
  var stepInBlock = 0
  var counter: CommitCounter?
  var finished = false
  var stopped = false
  /// Where the block whose EOS ended the run ends (`endAfterEOSBlock`): later blocks were
  /// never appended in the references, so the returned tokens end there.
  var endedByEOSAt: Int?
  var seconds = 0.0
}

extension Denoiser {
  /// The denoising loop (LLaDA `generate()`, Fast-dLLM `generate()`, Dream `_sample()` in one),
  /// for any number of canvases; a single run is a batch of one.
  ///
  /// Each job: for each semi-autoregressive block, for each step: logits from the job's
  /// `LogitSource` -> EOS controls -> proposals at the candidates (masked positions up to the
  /// block's end) -> the schedule's count -> the strategy's commits, remasks and edits -> a
  /// `DenoisingStep` to the job's observers -> `--eos-fill`. The jobs' passes of a step run as
  /// one `ForwardRequest`; jobs whose blocks finish early (threshold strategies) leave it.
  ///
  /// - Returns: one result per job, in order.
  public func generate(_ jobs: [DenoisingJob]) throws -> [DenoisingResult] {
    // MDLM's, ReMDM's and BD3-LM's samplers run in their own loops (`SamplerKind`).
    if settings.sampler.isAncestral { return try generateAncestral(jobs) }
    // DiffusionGemma's uniform-state sampler has no masks: its own loop too.
    if settings.sampler == .uniformState { return try generateUniformState(jobs) }
    let start = ContinuousClock.now
    var lanes: [Lane] = try jobs.map { job in
      guard job.promptLength >= 0, job.promptLength + settings.length <= job.canvas.count else {
        throw SamplingError.invalidPrompt(
          "the canvas holds \(job.canvas.count) tokens, fewer than the prompt's "
            + "\(job.promptLength) plus the \(settings.length) generated positions")
      }
      if settings.blockLayout == .canvasGridNextToken
        && job.canvas.count != job.promptLength + settings.length
      {
        throw SamplingError.invalidPrompt(
          "Fast-dLLM v2's layout (--block-layout canvas-grid-next-token) generates after the prompt only; a suffix needs another layout"
        )
      }
      var run = Run(
        settings: settings, canvas: gridCanvas(job.canvas, promptLength: job.promptLength),
        promptLength: job.promptLength,
        vocabularySize: model.vocabularySize, strategy: strategy, schedule: schedule,
        source: try makeLogitSource(model: model, settings: settings))
      run.restrictsLogitRows = restrictsLogitRows
      return Lane(run: run, observers: job.observers, block: run.firstBlock)
    }
    for lane in lanes {
      lane.observers.forEach {
        $0.denoisingWillStart(canvas: lane.run.canvas, promptLength: lane.run.promptLength)
      }
    }
    while true {
      for i in lanes.indices { advance(&lanes[i], elapsed: (ContinuousClock.now - start).seconds) }
      let active = lanes.indices.filter { !lanes[$0].finished }
      if active.isEmpty { break }
      try step(&lanes, active)
    }
    return lanes.map { lane in
      lane.observers.forEach { $0.denoisingDidEnd(canvas: lane.run.canvas) }
      return result(of: lane)
    }
  }

  /// One step of every active lane: their passes in one request, then each lane's step.
  private func step(_ lanes: inout [Lane], _ active: [Int]) throws {
    var canvases: [ForwardCanvas] = []
    var masks: [AttentionMask?] = []
    var spans: [Range<Int>] = []
    for i in active {
      let run = lanes[i].run
      let block = run.blockRange(lanes[i].block)
      let rows = run.logitRows(
        candidates: run.candidates(block: lanes[i].block).positions, block: block)
      let planned = try run.source.plan(
        run, block: block, stepInBlock: lanes[i].stepInBlock, rows: rows)
      spans.append(canvases.count..<(canvases.count + planned.count))
      canvases += planned
      lanes[i].run.positionsComputed += planned.reduce(0) { $0 + $1.window.count }
      lanes[i].run.positionsWithoutCache += planned.reduce(0) { $0 + $1.tokens.count }
      let runMask = mask(for: run, block: block)
      masks += Array(repeating: run.source.mask(ofPlanned: runMask), count: planned.count)
    }
    let passStart = ContinuousClock.now
    let results = try forward(canvases, masks: masks)
    let seconds = (ContinuousClock.now - passStart).seconds / Double(active.count)
    for (k, i) in active.enumerated() {
      guard let counter = lanes[i].counter else { continue }  // set when the lane's block began
      let given = try lanes[i].run.source.logits(
        from: Array(results[spans[k]]), of: lanes[i].run)
      let block = lanes[i].block
      let event = try lanes[i].run.step(
        model: model, block: block, range: lanes[i].run.blockRange(block),
        stepInBlock: lanes[i].stepInBlock, counter: counter,
        given: (given.logits, seconds, given.rows))
      lanes[i].stepInBlock += 1
      // Every observer sees the step, in order; any one of them may stop the lane.
      let decisions = lanes[i].observers.map { $0.denoisingDidFinish(event) }
      if decisions.contains(.stop) {
        lanes[i].stopped = true
        lanes[i].finished = true
        continue
      }
      lanes[i].run.fillAfterEOS(block: block, stepInBlock: lanes[i].stepInBlock)
    }
  }

  /// Moves a lane to its next step (the block and step loops, unrolled), or finishes it.
  private func advance(_ lane: inout Lane, elapsed: Double) {
    while !lane.finished {
      guard lane.block < lane.run.blockEnd else {
        lane.finished = true
        break
      }
      if lane.counter == nil {
        // On the canvas grid the quota splits the block's length, as the references'
        // `get_num_transfer_tokens(block_length, steps)`; after the prompt, its masks.
        let quota =
          settings.blockLayout.isGrid
          ? settings.blockLength : lane.run.maskCount(in: lane.run.countRange(lane.block))
        lane.counter = CommitCounter(settings: settings, maskedAtStart: quota, schedule: schedule)
      }
      if lane.run.shouldContinue(stepInBlock: lane.stepInBlock, block: lane.block) { return }
      if settings.endAfterEOSBlock, lane.run.endsRun(after: lane.block) {
        lane.endedByEOSAt = lane.run.blockRange(lane.block).upperBound
        lane.finished = true
        break
      }
      lane.run.finish(block: lane.block)
      lane.block += 1
      lane.stepInBlock = 0
      lane.counter = nil
    }
    if lane.seconds == 0 { lane.seconds = elapsed }
  }

  /// The mask of this denoiser's passes: on the canvas grid, a block-causal model attends in
  /// the sampler's blocks (LLaDA2's and SDAR's `generate` build the mask from their own
  /// `block_length`); otherwise the model's own mask (nil).
  var runMask: AttentionMask? {
    guard settings.blockLayout.isGrid, case .blockCausal = model.attentionMask else {
      return nil
    }
    return .blockCausal(blockLength: settings.blockLength)
  }

  /// The mask of `run`'s passes while it denoises `block`: with `blockCausal`, block-causal on
  /// the grid through the prompt's end (dllm's BD3LM mask, its left padding left out); on
  /// Fast-dLLM v2's layout, the block and the positions after it also held inside their block
  /// of 32 (`blockCausalCapped`: `batch_sample`'s denoising passes leave `forward`'s default
  /// `block_size` of 32, which only a block that divides 32 never feels); otherwise `runMask`.
  func mask(for run: Run, block: Range<Int>) -> AttentionMask? {
    if settings.blockCausal {
      return .blockCausalAligned(blockLength: settings.blockLength, boundary: run.promptLength)
    }
    let (b, cap) = (settings.blockLength, BlockLayout.nextTokenDenoisingMaskBlock)
    if settings.blockLayout == .canvasGridNextToken, case .blockCausal(b)? = runMask,
      cap % b != 0
    {
      return .blockCausalCapped(blockLength: b, cap: cap, from: block.lowerBound)
    }
    return runMask
  }

  /// One step's passes: the canvases that share a mask run as one request (a run's mask may
  /// depend on its prompt), each result back in its canvas's place; with `rightShiftLogits`
  /// position `i` reads row `i - 1` (`LogitShift.previousRow`).
  private func forward(_ canvases: [ForwardCanvas], masks: [AttentionMask?]) throws -> [Matrix] {
    var groups: [(mask: AttentionMask?, members: [Int])] = []
    for (i, mask) in masks.enumerated() {
      if let g = groups.firstIndex(where: { $0.mask == mask }) {
        groups[g].members.append(i)
      } else {
        groups.append((mask, [i]))
      }
    }
    var results = [Matrix](repeating: Matrix(rows: 0, columns: 0), count: canvases.count)
    for group in groups {
      let request = ForwardRequest(group.members.map { canvases[$0] }, mask: group.mask)
      let computed =
        try settings.rightShiftLogits
        ? LogitShift.previousRow.logits(for: request) { try model.logits(for: $0) }
        : model.logits(for: request)
      for (k, i) in group.members.enumerated() { results[i] = computed[k] }
    }
    return results
  }

  /// `canvas`, on the canvas grid rounded up to whole blocks with masks (the references'
  /// `total_length = num_blocks * block_length`); the overhang is generated, then dropped.
  private func gridCanvas(_ canvas: [Int32], promptLength: Int) -> [Int32] {
    let b = settings.blockLength
    switch settings.blockLayout {
    case .afterPrompt, .afterPromptRagged:
      return canvas
    case .canvasGrid:
      let overhang = (b - canvas.count % b) % b
      return canvas + [Int32](repeating: settings.maskID, count: overhang)
    case .canvasGridNextToken:
      // batch_sample: `max_new_tokens // block_size + prompt // block_size` blocks, then the
      // next token.
      let total = (promptLength / b + settings.length / b) * b + 1
      let prompt = Array(canvas.prefix(promptLength))
      return prompt + [Int32](repeating: settings.maskID, count: max(0, total - promptLength))
    }
  }

  /// What a finished lane produced.
  private func result(of lane: Lane) -> DenoisingResult {
    let run = lane.run
    let end = min(lane.endedByEOSAt ?? run.generatedEnd, run.generatedEnd)
    let generated = settings.afterEOS.returned(
      Array(run.canvas[run.promptLength..<end]),
      ends: settings.eosIDs,
      padID: settings.padID, endedByEOS: lane.endedByEOSAt != nil)
    var result = DenoisingResult(
      canvas: run.canvas, generated: generated, forwardPasses: run.forwardPasses,
      steps: run.stepIndex, seconds: lane.seconds, stoppedEarly: lane.stopped)
    result.promptLength = run.promptLength
    result.eosFilled = run.eosFilled
    result.forwardPassesSaved = run.forwardPassesSaved
    result.positionsComputed = run.positionsComputed
    result.positionsWithoutCache = run.positionsWithoutCache
    if run.eosFilled > 0 && !lane.stopped && !settings.stopWhenBlockComplete
      && !run.strategy.runsUntilBlockComplete
    {
      // A fixed schedule: every pass it planned and did not run was saved by the fill.
      let planned = settings.steps * run.source.passesPerStep
      result.forwardPassesSaved = max(0, planned - run.forwardPasses)
    }
    if settings.stopAtEOS, let end = run.firstEOS() {
      result.generated = Array(result.generated.prefix(end - run.promptLength))
    }
    return result
  }
}
