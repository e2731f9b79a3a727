import Foundation
import UnmaskCore

/// DiffusionGemma's sampler (transformers 5.23 `DiffusionGemmaGenerationMixin.generate`,
/// `EntropyBoundSampler`, `LinearTemperatureScheduleLogitsProcessor`,
/// `StableAndConfidentStoppingCriteria`), for any `CanvasDecoder`.
///
/// Canvas after canvas, until `settings.length` new tokens (whole canvases) or an EOS:
///
///     encode the prompt (then the previous canvas) into the prefix
///     x = a random canvas (CanvasNoise);  previous = nil
///     for n = N, N-1, ..., 1:                            (N = settings.steps)
///       z = decode(x, previous) / T(n),  T(n) = t_min + (t_max - t_min) · n / N
///       d = a draw from softmax(z) per position (argmax at --temperature 0);  a = argmax z
///       accept positions by the entropy bound (UniformAcceptance); x' = d there, x elsewhere
///       x = x' with the rejected positions taken from a fresh random canvas
///       stop when a equals the argmax of each of the last `stability_threshold` steps and
///         mean entropy(z) < confidence_threshold;  previous = z
///     the canvas appended is the last argmax a; an EOS in it ends the run, later tokens
///       replaced by the pad id
///
/// The random canvases come from `noise` in the reference's order: one per canvas start and one
/// after every step, the last included. Token draws use Unmask's generator unless
/// `temperature` is 0 (argmax), which with replayed noise rows makes a run deterministic and
/// equal to the reference's under the same rows.
struct UniformStateSampler {
  let decoder: any CanvasDecoder
  let settings: DenoisingSettings
  let acceptance: UniformAcceptance
  /// `eos_token_id` of the generation config: an EOS in a finished canvas ends the run.
  let stopIDs: Set<Int32>
  /// `pad_token_id`: what follows the first EOS of the last canvas.
  let padID: Int32?

  init(decoder: any CanvasDecoder, settings: DenoisingSettings) throws {
    self.decoder = decoder
    self.settings = settings
    // The EB-sampler strategy's own parameter and the settings field are one value
    // (`entropy_bound`); a Swift caller may have set either.
    let bound =
      settings.strategy.name == .entropyBounded
      ? settings.strategy.parameters["entropy_bound"]?.doubleValue ?? settings.entropyBound
      : settings.entropyBound
    guard
      let rule = UniformAcceptance(strategy: settings.strategy.name.rawValue, entropyBound: bound)
    else {
      throw SamplingError.invalidSetting(
        field: "strategy",
        message:
          "\(settings.strategy.name.rawValue) does not apply to uniform-state diffusion, which has no masks to commit"
      )
    }
    acceptance = rule
    stopIDs = Set(settings.endIDs)
    padID = settings.padID
  }

  /// Generates after `prompt`, drawing random canvases from `noise` and tokens from `tokens`.
  func generate(
    prompt: [Int32], noise: inout any CanvasNoise, tokens: inout SeededGenerator,
    observers: [DenoisingObserver]
  ) throws -> DenoisingResult {
    let start = ContinuousClock.now
    let c = decoder.canvasLength
    let v = decoder.vocabularySize
    let canvases = (settings.length + c - 1) / c
    var sequence = prompt
    let total = prompt.count + canvases * c
    let prefix = decoder.makePrefix(positions: total)
    var passes = 0
    var stepIndex = 0
    var stopped = false
    // Observers see the whole planned span: canvases not reached yet hold the pad id (or 0).
    let filler = padID ?? 0
    func planned(_ tokens: [Int32]) -> [Int32] {
      tokens + [Int32](repeating: filler, count: max(0, total - tokens.count))
    }
    canvasLoop: for block in 0..<canvases {
      try decoder.encode(block == 0 ? prompt : Array(sequence.suffix(c)), into: prefix)
      var current = try noise.nextRow(length: c, vocabularySize: v)
      if block == 0 {
        observers.forEach {
          $0.denoisingWillStart(canvas: planned(prompt + current), promptLength: prompt.count)
        }
      }
      var argmax = current
      var previous: Matrix?
      var stability = StabilityHistory(steps: settings.stabilityThreshold, length: c)
      let offset = sequence.count
      var rejectedBefore = c
      for n in stride(from: settings.steps, through: 1, by: -1) {
        let passStart = ContinuousClock.now
        // Taken, not kept beside the new logits: at a 262k vocabulary each is 268 MB.
        var logits = try decoder.decode(current, after: prefix, selfConditioning: previous.take())
        passes += 1
        let modelSeconds = (ContinuousClock.now - passStart).seconds
        scale(&logits, temperature: temperature(step: n))
        let rows = UniformRows(logits)
        let drawn = try draw(rows, &tokens)
        let accepted = acceptance.accepted(
          entropy: rows.entropy, confidence: rows.probability(of: drawn), margin: rows.margin)
        let renoise = try noise.nextRow(length: c, vocabularySize: v)
        let next = (0..<c).map { accepted[$0] ? drawn[$0] : renoise[$0] }
        let stable = stability.record(rows.argmax)
        let meanEntropy = rows.entropy.reduce(0.0) { $0 + Double($1) } / Double(c)
        let finished = stable && Float(meanEntropy) < Float(settings.confidenceThreshold)
        let changed = (0..<c).filter { next[$0] != current[$0] }
        let event = step(
          index: stepIndex, block: block, stepInBlock: settings.steps - n, n: n,
          promptLength: prompt.count, offset: offset, sequence: planned(sequence + next),
          canvas: next,
          argmax: rows.argmax, drawn: drawn, accepted: accepted, changed: changed, rows: rows,
          rejectedBefore: rejectedBefore, stopping: finished, modelSeconds: modelSeconds)
        stepIndex += 1
        rejectedBefore = accepted.lazy.filter { !$0 }.count
        current = next
        argmax = rows.argmax
        previous = logits
        var decision = ObserverDecision.proceed
        for observer in observers where observer.denoisingDidFinish(event) == .stop {
          decision = .stop
        }
        if decision == .stop {
          sequence += argmax
          stopped = true
          break canvasLoop
        }
        if finished { break }
      }
      sequence += argmax
      // EosTokenCriteria over the canvas: an EOS ends the run, what follows it becomes pad.
      if let first = sequence[offset...].firstIndex(where: stopIDs.contains) {
        if let padID {
          for i in (first + 1)..<sequence.count { sequence[i] = padID }
        }
        break
      }
    }
    observers.forEach { $0.denoisingDidEnd(canvas: planned(sequence)) }
    var result = DenoisingResult(
      canvas: sequence, generated: Array(sequence[prompt.count...]), forwardPasses: passes,
      steps: stepIndex, seconds: (ContinuousClock.now - start).seconds, stoppedEarly: stopped)
    result.promptLength = prompt.count
    result.positionsComputed = passes * c
    result.positionsWithoutCache = passes * c
    return result
  }

  /// `LinearTemperatureScheduleLogitsProcessor` at step `n` of `N` (counting down), in the
  /// reference's float32 arithmetic: `t_min + (t_max - t_min) · (n / N)`.
  func temperature(step n: Int) -> Float {
    let fraction = Float(n) / Float(settings.steps)
    return Float(settings.temperatureMin)
      + Float(settings.temperatureMax - settings.temperatureMin) * fraction
  }

  /// `scores / temperature`, in place.
  private func scale(_ logits: inout Matrix, temperature: Float) {
    logits.values.withUnsafeMutableBufferPointer { values in
      for i in values.indices { values[i] /= temperature }
    }
  }

  /// One token per position: `torch.multinomial(softmax(z))` from `generator` (inverse CDF), or
  /// the argmax when `settings.temperature` is 0. A positive temperature other than 1 divides
  /// the tempered logits once more.
  private func draw(_ rows: UniformRows, _ generator: inout SeededGenerator) throws -> [Int32] {
    if settings.temperature == 0 { return rows.argmax }
    return (0..<rows.count).map { r in
      rows.sample(row: r, extraTemperature: settings.temperature, uniform: generator.nextUniform())
    }
  }

  /// The step event observers see (tracer, live view, server).
  private func step(
    index: Int, block: Int, stepInBlock: Int, n: Int, promptLength: Int, offset: Int,
    sequence: [Int32], canvas: [Int32], argmax: [Int32], drawn: [Int32], accepted: [Bool],
    changed: [Int], rows: UniformRows, rejectedBefore: Int, stopping: Bool, modelSeconds: Double
  ) -> DenoisingStep {
    let end = offset + canvas.count
    func spread(_ values: [Float]) -> [Float] {
      [Float](repeating: .nan, count: offset) + values
        + [Float](repeating: .nan, count: sequence.count - end)
    }
    let committed = (0..<canvas.count).filter { accepted[$0] }.map {
      DenoisingStep.Commit(position: offset + $0, token: drawn[$0], score: -rows.entropy[$0])
    }
    var event = DenoisingStep(
      index: index, block: block, stepInBlock: stepInBlock,
      time: Double(n) / Double(settings.steps), nextTime: Double(n - 1) / Double(settings.steps),
      promptLength: promptLength, blockRange: offset..<end, maskedBefore: rejectedBefore,
      canvas: sequence, committed: committed,
      remasked: (0..<canvas.count).filter { !accepted[$0] }.map { offset + $0 },
      confidence: spread(rows.probability(of: argmax)), margin: spread(rows.margin),
      entropy: spread(rows.entropy), modelSeconds: modelSeconds)
    event.uniformState = UniformStateStep(
      temperature: Double(temperature(step: n)), argmax: argmax,
      changed: changed.map { offset + $0 }, stopping: stopping)
    return event
  }
}

/// What a uniform-state step adds to its `DenoisingStep`: the canvas has no masks, so
/// `committed` lists the accepted positions (with minus their entropy as the score) and
/// `remasked` the re-noised ones.
public struct UniformStateStep: Sendable, Equatable, Codable {
  /// The schedule's temperature at this step.
  public var temperature: Double
  /// The argmax canvas of this step's logits (what the canvas becomes if the run stops here).
  public var argmax: [Int32]
  /// Canvas positions (absolute) whose token differs from the step before.
  public var changed: [Int]
  /// Whether the stopping rule fired at this step.
  public var stopping: Bool

  /// A step's uniform-state fields.
  public init(temperature: Double, argmax: [Int32], changed: [Int], stopping: Bool) {
    self.temperature = temperature
    self.argmax = argmax
    self.changed = changed
    self.stopping = stopping
  }
}

/// `StableAndConfidentStoppingCriteria`'s history: the argmax canvases of the last `steps`
/// steps, starting as -1 everywhere (never equal to a canvas).
struct StabilityHistory {
  private var history: [[Int32]]

  init(steps: Int, length: Int) {
    history = Array(repeating: Array(repeating: -1, count: length), count: steps)
  }

  /// Whether `argmax` equals every canvas in the history (true with no history), then rolls it
  /// in.
  mutating func record(_ argmax: [Int32]) -> Bool {
    guard !history.isEmpty else { return true }
    let stable = history.allSatisfy { $0 == argmax }
    history.removeFirst()
    history.append(argmax)
    return stable
  }
}
