import UnmaskCore

/// One prompt of a batch: its run and where it is in its blocks.
private struct Lane {
  var run: Run
  var block = 0
  var stepInBlock = 0
  var counter: CommitCounter?
  var finished = false
  var seconds = 0.0
}

extension Denoiser {
  /// Generates an answer for each prompt, running the prompts' steps together: one forward pass
  /// per step for the whole batch when the model is a `BatchMaskPredictor` (each canvas
  /// attends only to itself, so each answer equals `generate(prompt:)` of that prompt alone,
  /// token for token). Prompts whose blocks finish early (threshold strategies) simply leave
  /// the batch. With a key/value cache each prompt keeps its own cache, and the prompts' cached
  /// passes (block-start fills and windows) run together when the model is a
  /// `BatchKVCachingPredictor`.
  ///
  /// - Returns: one result per prompt, in order; `seconds` is the time until that prompt was done.
  public func generate(batch prompts: [[Int32]]) throws -> [DenoisingResult] {
    for prompt in prompts where prompt.contains(settings.maskID) {
      throw SamplingError.invalidPrompt("it contains the mask id \(settings.maskID)")
    }
    let start = ContinuousClock.now
    var lanes = prompts.map { prompt in
      var run = Run(
        settings: settings,
        canvas: prompt + [Int32](repeating: settings.maskID, count: settings.length),
        promptLength: prompt.count, vocabularySize: model.vocabularySize, strategy: strategy,
        schedule: schedule)
      run.restrictsLogitRows = restrictsLogitRows
      if settings.cache != .none {
        run.kvCache = BlockKVCache(
          model: model, mode: settings.cache,
          commitsBlockStartFirst: settings.proposal == .dream)
      }
      return Lane(run: run)
    }
    while true {
      for i in lanes.indices { advance(&lanes[i], elapsed: (ContinuousClock.now - start).seconds) }
      let active = lanes.indices.filter { !lanes[$0].finished }
      if active.isEmpty { break }
      let passStart = ContinuousClock.now
      let given = try batchedLogits(active.map { lanes[$0] })
      let seconds = (ContinuousClock.now - passStart).seconds / Double(max(1, active.count))
      for (k, i) in active.enumerated() {
        guard let counter = lanes[i].counter else { continue }  // set when the lane's block began
        let range = lanes[i].run.blockRange(lanes[i].block)
        _ = try lanes[i].run.step(
          model: model, block: lanes[i].block, range: range, stepInBlock: lanes[i].stepInBlock,
          counter: counter, given: given.map { ($0[k].logits, seconds, $0[k].rows) })
        lanes[i].stepInBlock += 1
        lanes[i].run.fillAfterEOS(block: lanes[i].block, stepInBlock: lanes[i].stepInBlock)
      }
    }
    return lanes.map { lane in
      var result = DenoisingResult(
        canvas: lane.run.canvas,
        generated: Array(lane.run.canvas[lane.run.promptLength..<lane.run.generatedEnd]),
        forwardPasses: lane.run.forwardPasses, steps: lane.run.stepIndex, seconds: lane.seconds,
        stoppedEarly: false)
      result.promptLength = lane.run.promptLength
      result.eosFilled = lane.run.eosFilled
      return result
    }
  }

  /// Moves a lane to its next step (`generate(prompt:)`'s two loops, unrolled), or finishes it.
  private func advance(_ lane: inout Lane, elapsed: Double) {
    while !lane.finished {
      guard lane.block < settings.blockCount else {
        lane.finished = true
        lane.seconds = elapsed
        return
      }
      if lane.counter == nil {
        lane.counter = CommitCounter(
          settings: settings,
          maskedAtStart: lane.run.maskCount(in: lane.run.countRange(lane.block)),
          schedule: schedule)
      }
      if lane.run.shouldContinue(stepInBlock: lane.stepInBlock, block: lane.block) { return }
      lane.block += 1
      lane.stepInBlock = 0
      lane.counter = nil
    }
  }

  /// One batched pass over the lanes' canvases (and their unconditional canvases with
  /// guidance), each lane's logits with the rows they hold, or nil when each lane computes its
  /// own logits (a model without batching). Each lane asks for the rows its step reads.
  private func batchedLogits(_ lanes: [Lane]) throws -> [(logits: Matrix, rows: LogitRows)]? {
    guard lanes.count > 1 else { return nil }
    if settings.cache != .none {
      return try batchedCachedLogits(lanes)?.map { ($0, LogitRows.all) }
    }
    let runs = lanes.map(\.run)
    let rows = lanes.map {
      $0.run.logitRows(candidates: $0.run.candidates(block: $0.block).positions)
    }
    let guided = settings.cfgScale > 0
    var canvases = runs.map(\.canvas)
    if guided { canvases += runs.map(\.unconditionalCanvas) }
    let out = try model.logits(
      for: ForwardRequest(
        zip(canvases, guided ? rows + rows : rows).map { ForwardCanvas(tokens: $0, rows: $1) }))
    return try runs.enumerated().map { k, run in
      try run.checkShape(out[k], vocabularySize: model.vocabularySize, rows: rows[k])
      guard guided else { return (out[k], rows[k]) }
      try run.checkShape(out[runs.count + k], vocabularySize: model.vocabularySize, rows: rows[k])
      return (run.guided(out[k], unconditional: out[runs.count + k]), rows[k])
    }
  }

  /// The lanes' cached passes (block-start fills and windows, mixed) in one forward pass, each
  /// lane's logits `[T, V]` as its own `BlockKVCache` would make them; nil when the model
  /// cannot batch them.
  private func batchedCachedLogits(_ lanes: [Lane]) throws -> [Matrix]? {
    var passes: [(cache: BlockKVCache, pass: (request: ForwardCanvas, fills: Bool))] = []
    for lane in lanes {
      guard let cache = lane.run.kvCache else { return nil }
      let rows = lane.run.logitRows(candidates: lane.run.candidates(block: lane.block).positions)
      let pass = try cache.plan(
        canvas: lane.run.canvas, block: lane.run.blockRange(lane.block),
        stepInBlock: lane.stepInBlock, rows: rows)
      passes.append((cache, pass))
    }
    let out = try model.logits(for: ForwardRequest(passes.map(\.pass.request)))
    return try zip(lanes, zip(out, passes)).map { lane, result in
      let (computed, planned) = result
      let logits = try planned.cache.absorb(computed, of: planned.pass)
      try lane.run.checkShape(logits, vocabularySize: model.vocabularySize)
      return logits
    }
  }
}
