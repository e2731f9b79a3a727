import Foundation
import UnmaskCore

/// WINO (Hong et al. 2025, "Wide-In, Narrow-Out: Revokable Decoding for Diffusion Large
/// Language Models"; Feng-Hong/WINO-DLLM): draft wide, verify narrow. Each step commits every
/// masked position of the block with `p(x0) > threshold` (at most
/// `min(max(int(0.7 M), 5), 20)` of them, the best one when none passes), then re-checks the
/// tokens it committed at earlier steps and masks again those the model no longer supports
/// (`p(token) < verifyThreshold`).
///
/// Mirrors `decoding_wino` in LLaDA/decoding.py at 9549a1d0c3cbd9dc9b8f7cd09be8a7aac322d6fb:
/// the caps, `last_accept` (30 at block start; remasking only after a step that accepted more
/// than one token; when `last_accept` or more qualify, only the `last_accept - 1` least
/// supported are masked), float64 confidences.
///
/// Adaptation (that code cannot run behind a "tokens in, logits out" model): the reference
/// verifies with a shadow copy of the block appended to the canvas (all masks, at the block's
/// position ids), under an attention mask that hides from each shadow row its own original
/// token; so a drafted token's support is the model's prediction at its position with that one
/// token hidden and everything else visible. Here that is computed directly: one extra forward
/// pass per verified token, with only that token masked. The information each support sees is
/// the same except for the reference's B extra shadow mask tokens, which change nothing for a
/// model where a mask adds nothing as an attention key (the goldens' toy attention model, on
/// which this reproduces `decoding_wino` token for token); the cost is higher (the passes count
/// in `forwardPasses`), the price of exactness without attention masks.
/// Verification runs only when a remask is possible (more than one token accepted, earlier
/// drafts in the block). A block stops remasking after `4 * blockLength` steps so that it ends.
public struct WINORemasking: DescribedStrategy {
  /// WINO's parameters (the reference's defaults 0.6 and 0.9).
  public struct Parameters: PluginParameters {
    /// Draft threshold (wide in), in [0, 1).
    public var threshold: Double = 0.6
    /// Verification threshold (narrow out), in (0, 1].
    public var verifyThreshold: Double = 0.9
    /// The reference defaults.
    public init() {}
    /// Parameters with both fields given.
    public init(threshold: Double, verifyThreshold: Double) {
      self.threshold = threshold
      self.verifyThreshold = verifyThreshold
    }
  }

  /// Its row of `StrategyRegistry`: verification reads drafted positions' distributions.
  public static let descriptor = StrategyDescriptor(
    name: .wino,
    summary:
      "WINO: wide-in drafting by threshold, narrow-out verification that remasks weak drafts.",
    parameters: [
      .number(
        "threshold", \Parameters.threshold, in: .closedOpen(0, 1),
        help: "draft (wide in) every mask whose confidence exceeds it"),
      .number(
        "verify_threshold", \Parameters.verifyThreshold, in: .openClosed(0, 1),
        help: "remask a drafted token whose support falls below this"),
    ],
    reads: StrategyReads(logitRows: .all, probabilities: .distributions),
    make: { p, _ in WINORemasking(parameters: p) })

  /// The parameters.
  public var parameters: Parameters
  /// Positions of the block this strategy committed at earlier steps (the shadow block).
  private var drafted = Set<Int>()
  private var lastAccept = 30

  /// A WINO strategy.
  public init(parameters: Parameters) { self.parameters = parameters }

  /// Runs until the block has no mask left.
  public var runsUntilBlockComplete: Bool { true }

  /// Wide in: every candidate above `threshold`, capped, at least the best one.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    if context.stepInBlock == 0 {
      drafted = []
      lastAccept = 30
    }
    let maxAccept = min(max(Int(Double(context.proposals.count) * 0.7), 5), 20)
    let row = context.scoreRow { $0.confidence }
    let passing = context.proposals.filter { $0.confidence > parameters.threshold }
    if passing.count > maxAccept {
      return TorchTopK.indices(of: row, k: maxAccept).map {
        ScoredPosition(position: $0, score: row[$0])
      }
    }
    if passing.isEmpty {
      // torch.argmax: the first maximum.
      guard let best = context.proposals.max(by: { $0.confidence < $1.confidence }) else {
        return []
      }
      let first = context.proposals.first { $0.confidence == best.confidence } ?? best
      return [ScoredPosition(position: first.position, score: first.confidence)]
    }
    return passing.map { ScoredPosition(position: $0.position, score: $0.confidence) }
  }

  /// Narrow out: earlier drafts whose support fell below `verifyThreshold`.
  public mutating func selectRemasks(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [Int] {
    let accepted = committed.count
    defer {
      drafted.formUnion(committed.map(\.position))
      lastAccept = accepted
    }
    let shadow = drafted.filter {
      context.canvas[$0] != context.settings.maskID && context.editable[$0]
    }.sorted()
    guard accepted > 1, !shadow.isEmpty, context.stepInBlock < 4 * context.blockRange.count,
      let predict = context.predict
    else { return [] }
    var support: [(position: Int, p: Double)] = []
    for position in shadow {
      // The token under verification is hidden; every other token stays visible.
      var hidden = context.canvas
      hidden[position] = context.settings.maskID
      guard let logits = try? predict(hidden) else { return [] }
      let token = Int(context.canvas[position])
      var maxLogit = -Double.infinity
      for j in 0..<logits.columns { maxLogit = max(maxLogit, Double(logits[position, j])) }
      var sum = 0.0
      for j in 0..<logits.columns { sum += exp(Double(logits[position, j]) - maxLogit) }
      support.append((position, exp(Double(logits[position, token]) - maxLogit) / sum))
    }
    var remask = support.filter { $0.p < parameters.verifyThreshold }.map(\.position)
    if remask.count >= lastAccept {
      // topk(confidence_back, k = last_accept - 1, largest = False) over the canvas.
      var row = [Double](repeating: -.infinity, count: context.canvasLength)
      for s in support { row[s.position] = -s.p }
      remask = TorchTopK.indices(of: row, k: max(0, lastAccept - 1))
    }
    for position in remask { drafted.remove(position) }
    return remask
  }
}

extension StrategyName {
  /// `WINORemasking`.
  public static var wino: StrategyName { "wino" }
}

extension Strategy {
  /// `WINORemasking` with `parameters`.
  public static func wino(_ parameters: WINORemasking.Parameters) -> Strategy {
    Strategy(WINORemasking.descriptor, parameters)
  }
}
