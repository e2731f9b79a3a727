import Foundation
import Unmask

/// What `EvalRunner` reports after each item (for a progress line).
public struct EvalProgress: Sendable {
  /// Items finished.
  public var done: Int
  /// Items to run.
  public var total: Int
  /// Correct so far.
  public var correct: Int
  /// Seconds since the run started.
  public var seconds: Double
  /// Estimated seconds left, from the mean time per item so far.
  public var secondsLeft: Double { done == 0 ? 0 : seconds / Double(done) * Double(total - done) }
}

/// One item's record (a line of `--out`).
public struct EvalItemRecord: Codable, Sendable {
  /// Index of the item in the data.
  public var index: Int
  /// Input as text.
  public var prompt: String
  /// Output as text.
  public var output: String
  /// Expected answer as text.
  public var expected: String
  /// Whether it counts.
  public var correct: Bool
  /// Model calls of this item.
  public var forwardPasses: Int
  /// Tokens generated (masks at the start).
  public var generatedTokens: Int
  /// Denoising steps.
  public var steps: Int
  /// Seconds of denoising.
  public var seconds: Double

  enum CodingKeys: String, CodingKey {
    case index, prompt, output, expected, correct, steps, seconds
    case forwardPasses = "forward_passes", generatedTokens = "generated_tokens"
  }
}

/// Runs a task item by item with one model and the user's settings, and totals the results.
public struct EvalRunner {
  /// The model.
  public var model: MaskPredictor

  /// A runner.
  public init(model: MaskPredictor) { self.model = model }

  /// Runs the first `limit` items (all when nil); `onItem` sees every record as it is made
  /// (to stream `--out`), `onProgress` the running totals.
  public func run(
    task: EvalTask, settings: DenoisingSettings, limit: Int? = nil,
    onItem: (EvalItemRecord) throws -> Void = { _ in },
    onProgress: (EvalProgress) -> Void = { _ in }
  ) throws -> EvalSummary {
    let total = min(task.count, limit ?? task.count)
    let start = ContinuousClock.now
    var summary = EvalSummary(task: task.name, settings: settings)
    for index in 0..<total {
      let item = try task.prepare(index, base: settings)
      let result = try generate(item)
      let outcome = try task.judge(index, result: result)
      let generated = item.canvas[item.promptLength...].filter { $0 == item.settings.maskID }
      let record = EvalItemRecord(
        index: index, prompt: outcome.prompt, output: outcome.output, expected: outcome.expected,
        correct: outcome.correct, forwardPasses: result.forwardPasses,
        generatedTokens: generated.count, steps: result.steps, seconds: result.seconds)
      summary.add(record)
      try onItem(record)
      let elapsed = ContinuousClock.now - start
      onProgress(
        EvalProgress(
          done: index + 1, total: total, correct: summary.correct,
          seconds: Double(elapsed.components.seconds)
            + Double(elapsed.components.attoseconds) * 1e-18))
    }
    return summary
  }

  /// A plain prompt-then-masks canvas goes through `generate(prompt:)` (any block layout);
  /// a canvas with fixed tokens among the masks through the infilling entry point.
  private func generate(_ item: PreparedItem) throws -> DenoisingResult {
    let denoiser = try Denoiser(model: model, settings: item.settings)
    let span = item.canvas[item.promptLength...]
    if span.count == item.settings.length && span.allSatisfy({ $0 == item.settings.maskID }) {
      return try denoiser.generate(prompt: Array(item.canvas[..<item.promptLength]))
    }
    return try denoiser.generate(canvas: item.canvas, promptLength: item.promptLength)
  }
}
