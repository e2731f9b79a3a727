import Foundation
import UnmaskCore

/// BD3-LM's semi-autoregressive sampler as its reference runs it (`--sampler semi-ar`;
/// kuleshov-group/bd3lms diffusion.py `_semi_ar_sampler`, `_ddpm_caching_update`,
/// `_nucleus_sample`, `_check_stop_conds`), on BD3-LM and on MDLM checkpoints (bd3lms'
/// `algo=mdlm`, as its scripts/gen_ppl/genppl_mdlm.sh samples them):
///
///     for each segment (`SemiARSegment`: BD3-LM's blocks; MDLM's canvas, or 512-token strides):
///       t = 1
///       for i in 0..<steps, while the canvas so far holds a mask:
///         first-hitting: t *= u^(1 / masks in the window)      (u: numpy's rand, float64)
///         else:          t = linspace(1, 0, steps)[i]   (float32)
///         m_t = t, m_s = t - 1/steps; σ = min(-log(1 - m_t), σ_max)
///         p_x0 = exp(float64(SUBS(model(window, σ)))) over the segment's drawn positions,
///                nucleus top-p (reused while the canvas is unchanged)
///         first-hitting: one uniformly chosen mask of them takes its draw from p_x0
///         else:          every mask draws from q = p_x0 · (1 - m_s/m_t), mask m_s/m_t
///       after a segment, once the canvas passes 256 tokens (`_check_stop_conds`):
///         entropy of the last 256 tokens below 4: the sample is rejected and sampling starts
///           over (at most 10 attempts); with `--var-length` the run ends instead, its canvas
///           cut 256 tokens before the segment's end
///         `--var-length` and a second EOS in the canvas (the prompt's count): the run ends,
///           its canvas cut after that EOS
///
/// BD3-LM attends block-causally, so a block's rows depend on no later block: without a
/// cache each pass runs the canvas up to the block's end; with `--cache exact` (the
/// reference's `kv_cache`) a pass runs the block alone against the keys and values of the
/// blocks before it, and a finished block is stored by one more pass over it at its last σ,
/// as the reference's `store_kv` pass does. The two give the same tokens unless σ conditions
/// the network: then a cached block keeps the σ it was stored with while an uncached pass
/// recomputes it at the current one, in the reference as here. `sampling_eps_min/max`
/// (`var_min`) are the NELBO's clipped noise range; the sampler does not read them.
///
/// Draws (float64): per first-hitting step, the time's uniform, then (replay only) the
/// segment's `[drawn, V]` Gumbel uniforms, then the position's index (`torch.randint`); per
/// grid step the `[drawn, V]` uniforms (replay) or one per mask (Unmask's own generator).
struct BD3LMSampler {
  let model: MaskPredictor
  let settings: DenoisingSettings
  let schedule: LogLinearSchedule
  /// The reference's `block_size`: BD3-LM's attention block (the checkpoint's); MDLM's
  /// window, the canvas when `--block-length` is not shorter.
  let blockLength: Int
  /// Whether the model attends block-causally (BD3-LM), or over its whole input (MDLM).
  let blockCausal: Bool

  /// The reference's context window (`_semi_ar_sampler(context_size=1024)`).
  static let contextSize = SamplerKind.semiARContext
  /// Rejected samples before the reference gives up (`_sample`'s `num_tries > 10`).
  static let attempts = 10

  init(model: MaskPredictor, settings: DenoisingSettings, schedule: any NoiseSchedule) throws {
    switch model.attentionMask {
    case .blockCausal(let own):
      guard settings.blockLength == own else {
        throw SamplingError.invalidSetting(
          field: "block-length",
          message:
            "\(settings.blockLength) differs from the checkpoint's block_size \(own), the block its attention mask and the sampler share"
        )
      }
      blockCausal = true
    case .full:
      guard settings.cache == .none else {
        throw SamplingError.invalidSetting(
          field: "cache",
          message:
            "semi-ar caches finished blocks of a block-causal model; an MDLM reads its whole window each pass (use none)"
        )
      }
      blockCausal = false
    default:
      throw SamplingError.invalidSetting(
        field: "sampler",
        message:
          "semi-ar runs BD3-LM's block-causal checkpoints and bidirectional ones (bd3lms' MDLM); this model's attention is \(model.attentionMask)"
      )
    }
    guard let logLinear = schedule as? LogLinearSchedule else {
      throw SamplingError.invalidSetting(
        field: "schedule",
        message:
          "semi-ar reads t as the masking probability, which is the log-linear schedule's; \(schedule.name.rawValue) is not implemented for it"
      )
    }
    self.model = model
    self.settings = settings
    self.schedule = logLinear
    blockLength = settings.blockLength
  }

  /// Fills the masks of `canvas` (BD3-LM's padded to whole blocks, the padding dropped at the
  /// end; cut shorter where `--var-length` ends the run).
  func generate(
    canvas: [Int32], promptLength: Int, observers: [DenoisingObserver],
    draws: inout any UniformSource
  ) throws -> DenoisingResult {
    let segments = try SemiARSegment.layout(
      canvas: canvas.count, blockLength: blockLength, blockCausal: blockCausal,
      contextSize: Self.contextSize)
    let paddedEnd = segments.last?.update.upperBound ?? canvas.count
    let padded = canvas + [Int32](repeating: settings.maskID, count: paddedEnd - canvas.count)
    var attempt = 0
    while true {
      attempt += 1
      var run = AncestralRun(
        model: model, settings: settings, canvas: padded, promptLength: promptLength,
        observers: observers)
      switch try sample(&run, segments: segments, draws: &draws) {
      case .finished(let end):
        if !run.stopped { try draws.finish() }
        run.canvas = Array(run.canvas.prefix(min(canvas.count, end)))
        return run.result()
      case .rejected:
        guard attempt < Self.attempts else {
          throw SamplingError.invalidSetting(
            field: "sampler",
            message:
              "semi-ar rejected \(Self.attempts) samples in a row (the entropy of their last 256 tokens stayed below 4), as BD3-LM's sampler gives up"
          )
        }
      }
    }
  }

  /// How one attempt ended: the canvas up to `end` (all of it unless `--var-length` cut it),
  /// or rejected by `_check_stop_conds`.
  private enum Outcome {
    case finished(end: Int)
    case rejected
  }

  /// One attempt.
  private func sample(
    _ run: inout AncestralRun, segments: [SemiARSegment], draws: inout any UniformSource
  ) throws -> Outcome {
    let mask = settings.maskID
    let v = model.vocabularySize
    let steps = settings.steps
    let grid = CommitCounter.dreamTimesteps(count: steps, eps: 0)  // linspace(1, 0, steps)
    let dt = Float(1 / Double(steps))
    let sigmaMax = schedule.totalNoise(at: Float(1))
    let cache = settings.cache == .exact ? model.makeKVCache(positions: run.canvas.count) : nil
    if settings.cache == .exact && cache == nil {
      throw PredictorError.unsupported("it has no key/value cache")
    }
    var cachedEnd = 0  // positions before it are in the cache
    for (block, segment) in segments.enumerated() {
      // `x[:, -block_size:]`: the positions a step draws (BD3-LM's block, MDLM's window).
      let range = segment.update
      let window = segment.window
      var t = 1.0
      var probabilities: [Int: [Double]]?
      for i in 0..<steps {
        guard run.canvas[..<range.upperBound].contains(mask) else { break }
        let before = run.canvas
        let tFloat: Float
        if settings.firstHitting {
          let u = try draws.uniform(precision: .float64)
          let masksSoFar = window.filter { before[$0] == mask }.count
          t *= Foundation.pow(u, 1 / Double(masksSoFar))
          tFloat = Float(t)
        } else {
          tFloat = grid[i]
        }
        let moveS = tFloat - dt
        let sigma = min(-Foundation.log(1 - tFloat), sigmaMax)
        let maskProbability = moveS / tFloat
        var seconds = 0.0
        if probabilities == nil {
          let logits: Matrix
          if let cache {
            // The block (and any block stored without a step: a prompt's) against the cache.
            (logits, seconds) = try cachedPass(
              &run, tokens: before, block: range, cachedEnd: cachedEnd,
              rows: .positions(Array(range)), cache: cache, sigma: sigma)
          } else {
            (logits, seconds) = try run.pass(
              ForwardCanvas(
                tokens: Array(before[window]),
                rows: .positions(range.map { $0 - window.lowerBound }),
                sigma: Double(sigma)))
          }
          probabilities = blockProbabilities(logits, range: range, canvas: before)
        }
        var next = before
        let blockMasks = range.filter { before[$0] == mask }
        let p = probabilities ?? [:]  // every mask of the block has its row
        let uniforms =
          draws.replaysReference ? try draws.uniforms(range.count * v, precision: .float64) : nil
        if settings.firstHitting {
          guard !blockMasks.isEmpty else {
            throw SamplingError.invalidSetting(
              field: "steps",
              message:
                "block \(block) has no mask left while an earlier one still does (first-hitting with fewer steps than positions): BD3-LM's sampler would fail here too"
            )
          }
          let position = blockMasks[try draws.index(below: blockMasks.count)]
          let row = TransitionRow(
            probabilities: .dense(p[position] ?? []), tokenWeight: 1, maskWeight: 0,
            maskColumn: Int(mask))
          next[position] = Int32(
            try row.draw(
              row: position - range.lowerBound, of: uniforms, vocabularySize: v,
              numerics: .bd3lm, draws: &draws))
        } else {
          for position in blockMasks {
            // q = p_x0 · (1 - m_s/m_t) in float64 with the float32 factor, mask m_s/m_t.
            let row = TransitionRow(
              probabilities: .dense(p[position] ?? []),
              tokenWeight: Double(1 - maskProbability), maskWeight: Double(maskProbability),
              maskColumn: Int(mask))
            next[position] = Int32(
              try row.draw(
                row: position - range.lowerBound, of: uniforms, vocabularySize: v,
                numerics: .bd3lm, draws: &draws))
          }
        }
        run.canvas = next
        if let cache, !run.canvas[range].contains(mask) {
          // store_kv: the finished block's keys and values at this step's σ.
          _ = try cachedPass(
            &run, tokens: run.canvas, block: range, cachedEnd: cachedEnd,
            rows: .positions([range.lowerBound]), cache: cache, sigma: sigma)
          cachedEnd = range.upperBound
        }
        if next != before { probabilities = nil }
        var scores: [Int: RowScores] = [:]
        if !run.observers.isEmpty {
          for (position, row) in p { scores[position] = RowScores(row, drawn: Int(next[position])) }
        }
        guard
          run.finishStep(
            before: before, time: Double(tFloat), nextTime: Double(moveS), block: block,
            stepInBlock: i, blockRange: segment.fresh, scores: scores, modelSeconds: seconds)
        else { return .finished(end: run.canvas.count) }
      }
      if range.upperBound > 256 {
        switch SemiARStop.check(
          run.canvas[..<range.upperBound], eosID: settings.eosID,
          variableLength: settings.variableLength)
        {
        case .goOn: break
        case .reject: return .rejected
        case .end(let end): return .finished(end: end)
        }
      }
    }
    return .finished(end: run.canvas.count)
  }

  /// A pass over `block` (from `cachedEnd`, when blocks before it were never stored: a
  /// prompt's) against the cache. Past the model's `rollingCacheLength` the reference's cache
  /// has dropped its oldest blocks: the block's queries see the last `rollingCacheLength`
  /// positions up to its end alone, where the block-causal mask would show everything before.
  private func cachedPass(
    _ run: inout AncestralRun, tokens: [Int32], block: Range<Int>, cachedEnd: Int,
    rows: LogitRows, cache: KVCache, sigma: Float
  ) throws -> (logits: Matrix, seconds: Double) {
    let window = min(cachedEnd, block.lowerBound)..<block.upperBound
    guard let kept = model.rollingCacheLength, block.upperBound > kept else {
      return try run.pass(
        ForwardCanvas(
          tokens: tokens, window: window, rows: rows, cache: cache, sigma: Double(sigma)))
    }
    let first = block.upperBound - kept
    guard window.lowerBound >= first else {
      throw SamplingError.invalidSetting(
        field: "cache",
        message:
          "the prompt's blocks reach back past the \(kept) positions BD3-LM's cache keeps; use --cache none"
      )
    }
    return try run.pass(
      ForwardCanvas(tokens: tokens, window: window, rows: rows, cache: cache, sigma: Double(sigma)),
      mask: .keys(first..<block.upperBound))
  }

  /// p_x0 of the block's masked positions: SUBS in float32, then `exp` in float64, nucleus
  /// filtered (`_nucleus_sample`, float64) when `--top-p` is below 1.
  private func blockProbabilities(_ logits: Matrix, range: Range<Int>, canvas: [Int32])
    -> [Int: [Double]]
  {
    var out: [Int: [Double]] = [:]
    var logp: [Float] = []
    for (k, position) in range.enumerated() where canvas[position] == settings.maskID {
      logits.values.withUnsafeBufferPointer { all in
        let row = UnsafeBufferPointer(
          rebasing: all[(k * logits.columns)..<((k + 1) * logits.columns)])
        SUBSParameterization.logProbabilities(row, maskColumn: Int(settings.maskID), into: &logp)
      }
      var p = SUBSParameterization.probabilities64(logp)
      if let topP = settings.topP, topP != 1 {
        p = NucleusFilter.filter(p, topP: topP, precision: .float64)
      }
      out[position] = p
    }
    return out
  }
}
