import Foundation
import UnmaskCore

/// What the ancestral samplers (`MDLMSampler`, `BD3LMSampler`) share: the canvas, which of its
/// positions are fixed, the model's passes, the step events observers see, and the counters of
/// the result.
struct AncestralRun {
  let model: MaskPredictor
  let settings: DenoisingSettings
  /// The canvas as it stands.
  var canvas: [Int32]
  /// Tokens before the generated span.
  let promptLength: Int
  /// Positions that held a token, not a mask, when the run started: the sampler never changes
  /// them (the references have no prompt; ReMDM would remask it).
  let fixed: [Bool]
  let observers: [DenoisingObserver]
  var forwardPasses = 0
  var positionsComputed = 0
  var positionsWithoutCache = 0
  var steps = 0
  var stopped = false
  private let start = ContinuousClock.now

  init(
    model: MaskPredictor, settings: DenoisingSettings, canvas: [Int32], promptLength: Int,
    observers: [DenoisingObserver]
  ) {
    self.model = model
    self.settings = settings
    self.canvas = canvas
    self.promptLength = promptLength
    self.fixed = canvas.map { $0 != settings.maskID }
    self.observers = observers
  }

  /// Positions in `range` that hold the mask.
  func masked(in range: Range<Int>) -> [Int] {
    range.filter { canvas[$0] == settings.maskID }
  }

  /// One forward pass over `canvas` (counted), and the seconds it took.
  mutating func pass(_ canvas: ForwardCanvas, mask: AttentionMask? = nil) throws -> (
    logits: Matrix, seconds: Double
  ) {
    let passStart = ContinuousClock.now
    let logits = try model.logits(for: ForwardRequest([canvas], mask: mask))[0]
    let expectedRows = canvas.rows.positions?.count ?? canvas.window.count
    guard logits.rows == expectedRows, logits.columns == model.vocabularySize else {
      throw SamplingError.badLogits(
        expectedRows: expectedRows, expectedColumns: model.vocabularySize, rows: logits.rows,
        columns: logits.columns)
    }
    forwardPasses += 1
    positionsComputed += canvas.window.count
    positionsWithoutCache += canvas.window.upperBound
    return (logits, (ContinuousClock.now - passStart).seconds)
  }

  /// Tells every observer what the step did (from `before` to the canvas now); false when one
  /// of them stops the run. `scores[i]` describes masked position `i`'s distribution, when the
  /// sampler computed it (only for observers).
  mutating func finishStep(
    before: [Int32], time: Double?, nextTime: Double?, block: Int, stepInBlock: Int,
    blockRange: Range<Int>, scores: [Int: RowScores], modelSeconds: Double
  ) -> Bool {
    defer { steps += 1 }
    guard !observers.isEmpty else { return true }
    let mask = settings.maskID
    var committed: [DenoisingStep.Commit] = []
    var remasked: [Int] = []
    for i in canvas.indices where before[i] != canvas[i] {
      if canvas[i] == mask {
        remasked.append(i)
      } else {
        let score = scores[i]?.drawnProbability ?? .nan
        committed.append(.init(position: i, token: canvas[i], score: score))
      }
    }
    var confidence = [Float](repeating: .nan, count: canvas.count)
    var margin = confidence
    var entropy = confidence
    for (i, s) in scores {
      confidence[i] = s.confidence
      margin[i] = s.margin
      entropy[i] = s.entropy
    }
    let event = DenoisingStep(
      index: steps, block: block, stepInBlock: stepInBlock, time: time, nextTime: nextTime,
      promptLength: promptLength, blockRange: blockRange,
      maskedBefore: before.filter { $0 == mask }.count, canvas: canvas, committed: committed,
      remasked: remasked, confidence: confidence, margin: margin, entropy: entropy,
      modelSeconds: modelSeconds)
    if observers.map({ $0.denoisingDidFinish(event) }).contains(.stop) { stopped = true }
    return !stopped
  }

  /// The result: the generated span `promptLength..<promptLength + settings.length`, or what
  /// is left of it in a canvas BD3-LM's `var_length` cut (possibly inside the prompt).
  func result() -> DenoisingResult {
    let first = min(promptLength, canvas.count)
    let end = max(first, min(canvas.count, promptLength + settings.length))
    var result = DenoisingResult(
      canvas: canvas, generated: Array(canvas[first..<end]), forwardPasses: forwardPasses,
      steps: steps, seconds: (ContinuousClock.now - start).seconds, stoppedEarly: stopped)
    result.promptLength = promptLength
    result.positionsComputed = positionsComputed
    result.positionsWithoutCache = positionsWithoutCache
    return result
  }
}

/// One masked position's distribution as step events describe it.
struct RowScores {
  /// The largest probability.
  var confidence: Float
  /// Largest minus second largest.
  var margin: Float
  /// `-sum p log p`, in nats.
  var entropy: Float
  /// The probability of the token drawn (the commit's score).
  var drawnProbability: Float

  /// The scores of `p` (SUBS, after nucleus filtering), `drawn` the token the step drew.
  init(_ p: [Double], drawn: Int) {
    var first = 0.0
    var second = 0.0
    var h = 0.0
    for x in p where x > 0 {
      if x > first {
        second = first
        first = x
      } else if x > second {
        second = x
      }
      h -= x * Foundation.log(x)
    }
    confidence = Float(first)
    margin = Float(first - second)
    entropy = Float(h)
    drawnProbability = drawn < p.count ? Float(p[drawn]) : .nan
  }
}
