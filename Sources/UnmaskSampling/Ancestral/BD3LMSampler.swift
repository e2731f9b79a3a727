import Foundation
import UnmaskCore

/// BD3-LM's semi-autoregressive sampler as its reference runs it (`--sampler semi-ar`;
/// kuleshov-group/bd3lms diffusion.py `_semi_ar_sampler`, `_ddpm_caching_update`,
/// `_nucleus_sample`, `_check_stop_conds`):
///
///     for each block of block_size (the checkpoint's, on the grid from position 0):
///       t = 1
///       for i in 0..<steps, while the canvas so far holds a mask:
///         first-hitting: t *= u^(1 / masks so far)      (u: numpy's rand, float64)
///         else:          t = linspace(1, 0, steps)[i]   (float32)
///         m_t = t, m_s = t - 1/steps; σ = min(-log(1 - m_t), σ_max)
///         p_x0 = exp(float64(SUBS(model(block | blocks before, σ)))), nucleus top-p
///                (reused while the canvas is unchanged)
///         first-hitting: one uniformly chosen mask of the block takes its draw from p_x0
///         else:          every mask draws from q = p_x0 · (1 - m_s/m_t), mask m_s/m_t
///       after a block, once the canvas passes 256 tokens: a sample whose last 256 tokens have
///       entropy below 4 is rejected and sampling starts over (at most 10 attempts)
///
/// The model attends block-causally, so a block's rows depend on no later block: without a
/// cache each pass runs the canvas up to the block's end; with `--cache exact` (the
/// reference's `kv_cache`) a pass runs the block alone against the keys and values of the
/// blocks before it, and a finished block is stored by one more pass over it at its last σ,
/// as the reference's `store_kv` pass does. The two give the same tokens unless σ conditions
/// the network: then a cached block keeps the σ it was stored with while an uncached pass
/// recomputes it at the current one, in the reference as here. `sampling_eps_min/max`
/// (`var_min`) are the NELBO's clipped noise range; the sampler does not read them.
///
/// Draws (float64): per first-hitting step, the time's uniform, then (replay only) the block's
/// `[block, V]` Gumbel uniforms, then the position's index (`torch.randint`); per grid step the
/// `[block, V]` uniforms (replay) or one per mask (Unmask's own generator).
struct BD3LMSampler {
  let model: MaskPredictor
  let settings: DenoisingSettings
  let schedule: LogLinearSchedule
  /// The block length: the checkpoint's attention block.
  let blockLength: Int

  /// The reference's context window (`_semi_ar_sampler(context_size=1024)`).
  static let contextSize = 1024
  /// Rejected samples before the reference gives up (`_sample`'s `num_tries > 10`).
  static let attempts = 10

  init(model: MaskPredictor, settings: DenoisingSettings, schedule: any NoiseSchedule) throws {
    guard case .blockCausal(let own) = model.attentionMask else {
      throw SamplingError.invalidSetting(
        field: "sampler",
        message:
          "semi-ar is BD3-LM's sampler and needs a block-causal checkpoint; this model attends to the whole canvas (use ddpm or ddpm-cache)"
      )
    }
    guard settings.blockLength == own else {
      throw SamplingError.invalidSetting(
        field: "block-length",
        message:
          "\(settings.blockLength) differs from the checkpoint's block_size \(own), the block its attention mask and the sampler share"
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
    blockLength = own
  }

  /// Fills the masks of `canvas` (padded to whole blocks, the padding dropped at the end).
  func generate(
    canvas: [Int32], promptLength: Int, observers: [DenoisingObserver],
    draws: inout any UniformSource
  ) throws -> DenoisingResult {
    let b = blockLength
    let overhang = (b - canvas.count % b) % b
    let padded = canvas + [Int32](repeating: settings.maskID, count: overhang)
    var attempt = 0
    while true {
      attempt += 1
      var run = AncestralRun(
        model: model, settings: settings, canvas: padded, promptLength: promptLength,
        observers: observers)
      if try sample(&run, draws: &draws) {
        if !run.stopped { try draws.finish() }
        var result = run.result()
        result.canvas = Array(run.canvas.prefix(canvas.count))
        return result
      }
      guard attempt < Self.attempts else {
        throw SamplingError.invalidSetting(
          field: "sampler",
          message:
            "semi-ar rejected \(Self.attempts) samples in a row (the entropy of their last 256 tokens stayed below 4), as BD3-LM's sampler gives up"
        )
      }
    }
  }

  /// One attempt; false when `_check_stop_conds` rejects it.
  private func sample(_ run: inout AncestralRun, draws: inout any UniformSource) throws -> Bool {
    let b = blockLength
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
    for block in 0..<(run.canvas.count / b) {
      let range = (block * b)..<((block + 1) * b)
      // The reference's `fwd_idx`: the last 1024 positions (always the whole block here).
      let window =
        min(range.lowerBound, max(0, range.upperBound - Self.contextSize))..<range.upperBound
      var t = 1.0
      var probabilities: [Int: [Double]]?
      var lastSigma: Float = 0
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
        lastSigma = sigma
        var seconds = 0.0
        if probabilities == nil {
          let logits: Matrix
          if let cache {
            // The block (and any block stored without a step: a prompt's) against the cache.
            let pass = min(cachedEnd, range.lowerBound)..<range.upperBound
            (logits, seconds) = try run.pass(
              ForwardCanvas(
                tokens: before, window: pass, rows: .positions(Array(range)), cache: cache,
                sigma: Double(sigma)))
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
        if settings.firstHitting {
          let uniforms =
            draws.replaysReference ? try draws.uniforms(b * v, precision: .float64) : nil
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
          next[position] = try Self.draw(
            row, row: position - range.lowerBound, of: uniforms, vocabularySize: v, draws: &draws)
        } else {
          let uniforms =
            draws.replaysReference ? try draws.uniforms(b * v, precision: .float64) : nil
          for position in blockMasks {
            // q = p_x0 · (1 - m_s/m_t) in float64 with the float32 factor, mask m_s/m_t.
            let row = TransitionRow(
              probabilities: .dense(p[position] ?? []),
              tokenWeight: Double(1 - maskProbability), maskWeight: Double(maskProbability),
              maskColumn: Int(mask))
            next[position] = try Self.draw(
              row, row: position - range.lowerBound, of: uniforms, vocabularySize: v,
              draws: &draws)
          }
        }
        run.canvas = next
        if let cache, !run.canvas[range].contains(mask) {
          // store_kv: the finished block's keys and values at this step's σ.
          _ = try run.pass(
            ForwardCanvas(
              tokens: run.canvas, window: min(cachedEnd, range.lowerBound)..<range.upperBound,
              rows: .positions([range.lowerBound]), cache: cache, sigma: Double(sigma)))
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
            stepInBlock: i, blockRange: range, scores: scores, modelSeconds: seconds)
        else { return true }
      }
      _ = lastSigma
      if range.upperBound > 256
        && lowEntropy(run.canvas[(range.upperBound - 256)..<range.upperBound])
      {
        return false
      }
    }
    return true
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

  /// `_check_stop_conds`' criterion: the entropy (nats) of the tokens' frequencies below 4.
  private func lowEntropy(_ tokens: ArraySlice<Int32>) -> Bool {
    var counts: [Int32: Int] = [:]
    for token in tokens { counts[token, default: 0] += 1 }
    let n = Float(tokens.count)
    var h: Float = 0
    for c in counts.values {
      let p = Float(c) / n
      h -= p * Foundation.log(p)
    }
    return h < 4
  }

  /// One position's token in float64 (BD3-LM's numerics): the reference's Gumbel argmax over
  /// the block's recorded uniforms (row `k` of `[b, V]`), else the inverse CDF of one of
  /// Unmask's own uniforms.
  private static func draw(
    _ transition: TransitionRow, row k: Int, of uniforms: [Double]?, vocabularySize v: Int,
    draws: inout any UniformSource
  ) throws -> Int32 {
    if let uniforms {
      return Int32(transition.gumbelArgmax(uniforms[(k * v)..<((k + 1) * v)], numerics: .bd3lm))
    }
    let u = try draws.uniform(precision: .float64)
    return Int32(transition.inverseCDF(u, vocabularySize: v, numerics: .bd3lm))
  }
}
