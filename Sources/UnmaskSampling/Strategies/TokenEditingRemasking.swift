import UnmaskCore

/// Token editing as in LLaDA 2.1's `JointThreshold` (Bie et al. 2026, "LLaDA2.1: Speeding Up
/// Text Diffusion via Token Editing"; SGLang python/sglang/srt/dllm/algorithm/joint_threshold.py
/// at cabd4543152087d411785114ef0b2d8db7bfd80e): each step, mask-to-token commits every masked
/// position of the block whose argmax probability exceeds `threshold` (the best one when none
/// does), and token-to-token replaces every already generated token of the block whose argmax
/// differs from it with probability above `editThreshold`.
///
/// Probabilities are a float32 softmax of the logits (`--confidence-precision float32` matches
/// the reference bit for bit). When the block has no mask left, edit-only steps go on until a
/// step changes nothing or `maxPostEditSteps` of them have run; at most
/// `block length + maxPostEditSteps` steps per block. Only positions that were masks when the
/// run started are edited (the prompt, a suffix and fixed infill tokens never change).
/// Not mirrored: `penalty_lambda` (a repetition penalty, 0 by default) and SGLang's extra
/// forward pass after a block, which only refreshes its KV cache.
///
/// LLaDA2.1's own `generate()` (dllm `modeling_llada21_moe.py`, `--preset llada2.1`) is the
/// same rule with `num_to_transfer` (the threshold's commits stand when at least that many,
/// else the top that many) and its names `editing_threshold` and `max_post_steps`; its
/// post-step cap is checked before the pass it would run, as here.
public struct TokenEditingRemasking: DescribedStrategy {
  /// JointThreshold's parameters (SGLang defaults 0.5, 0, 16).
  public struct Parameters: PluginParameters {
    /// Mask-to-token threshold, in [0, 1).
    public var threshold: Double = 0.5
    /// Token-to-token threshold, in [0, 1).
    public var editThreshold: Double = 0
    /// Edit-only steps allowed once the block has no mask, in 0...1024.
    public var maxPostEditSteps: Int = 16
    /// LLaDA2.1's `num_to_transfer`: the threshold's commits stand when there are at least
    /// this many, else the most confident this many (SGLang: 1, the best one).
    public var minimumCommits: Int = 1
    /// Where the edit-only cap is checked: after the pass (SGLang runs one more, which changes
    /// nothing) or before it (LLaDA2.1's `generate()`); the tokens are the same.
    public var capCheck: PostStepCap = .afterPass
    /// The SGLang defaults.
    public init() {}
    /// Parameters with every field given.
    public init(
      threshold: Double, editThreshold: Double, maxPostEditSteps: Int, minimumCommits: Int = 1,
      capCheck: PostStepCap = .afterPass
    ) {
      self.threshold = threshold
      self.editThreshold = editThreshold
      self.maxPostEditSteps = maxPostEditSteps
      self.minimumCommits = minimumCommits
      self.capCheck = capCheck
    }
  }

  /// Its row of `StrategyRegistry`: it reads whole distributions of the block's positions.
  public static let descriptor = StrategyDescriptor(
    name: .tokenEditing,
    summary: "LLaDA 2.1's JointThreshold: threshold commits plus edits of committed tokens.",
    parameters: [
      .number(
        "threshold", \Parameters.threshold, in: .closedOpen(0, 1),
        help: "mask-to-token threshold: commit every mask whose argmax probability exceeds it"),
      .number(
        "editing_threshold", \Parameters.editThreshold, in: .closed(0, 1),
        help:
          "replace a generated token when the model's argmax differs with probability above this"),
      .integer(
        "max_post_steps", \Parameters.maxPostEditSteps, in: 0...1024,
        help: "edit-only steps once a block has no mask"),
      .integer(
        "num_to_transfer", \Parameters.minimumCommits, in: 1...1024,
        help: "commit the threshold's picks if at least this many, else the this-many best"),
      .choice(
        "post_step_cap", \Parameters.capCheck,
        help: "check the edit-only cap after the pass (SGLang) or before it (LLaDA2.1)"),
    ],
    reads: StrategyReads(logitRows: .block, probabilities: .distributions),
    make: { p, _ in TokenEditingRemasking(parameters: p) })

  /// The parameters.
  public var parameters: Parameters
  private var finished = false
  private var stepsInBlock = 0
  private var postEditSteps = 0
  private var pendingEdits: [TokenEdit] = []
  private var probabilities: [Float] = []

  /// A token-editing strategy.
  public init(parameters: Parameters) { self.parameters = parameters }

  /// Runs on its own stopping rule (see `continuesBlock`).
  public var runsUntilBlockComplete: Bool { true }

  /// A new block starts while it has a mask; then until a step changes nothing or the
  /// edit-only cap is reached (`PostStepCap`).
  public func continuesBlock(stepInBlock: Int, complete: Bool, blockLength: Int) -> Bool? {
    if stepInBlock == 0 { return !complete }
    if finished { return false }
    if parameters.capCheck == .beforePass && complete
      && postEditSteps >= parameters.maxPostEditSteps
    {
      return false
    }
    let passes = blockLength + parameters.maxPostEditSteps
    // LLaDA2.1's `generate()` loops until the block settles, with no cap of its own; an edit
    // to the mask id reopens a block, so it may take more passes. Bounded all the same: edits
    // that cycle would never end there.
    return stepInBlock < (parameters.capCheck == .beforePass ? 4 * passes : passes)
  }

  /// Mask-to-token commits; the step's token-to-token edits are kept for `selectEdits`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    if context.stepInBlock == 0 {
      finished = false
      postEditSteps = 0
    }
    pendingEdits = []
    var commits: [ScoredPosition] = []
    // The references compare float32 probabilities with the threshold cast to float32.
    let threshold = Float(parameters.threshold)
    if !context.proposals.isEmpty {
      commits = context.proposals.filter { Float($0.confidence) > threshold }
        .map { ScoredPosition(position: $0.position, score: $0.confidence) }
      if commits.count < parameters.minimumCommits {
        // torch.topk(confidence, k=min(num_to_transfer, masks)) over the block's slice.
        let positions = context.proposals.map(\.position)
        let lower = min(context.blockRange.lowerBound, positions.min() ?? 0)
        let upper = max(context.blockRange.upperBound, (positions.max() ?? 0) + 1)
        var row = [Double](repeating: -.infinity, count: upper - lower)
        for p in context.proposals { row[p.position - lower] = p.confidence }
        let k = min(parameters.minimumCommits, positions.count)
        commits = TorchTopK.indices(of: row, k: k).map {
          ScoredPosition(position: lower + $0, score: row[$0])
        }
      }
    } else {
      postEditSteps += 1
      if parameters.capCheck == .afterPass && postEditSteps > parameters.maxPostEditSteps {
        finished = true  // SGLang ran this pass and stops without using it
        return []
      }
    }
    pendingEdits = edits(context)
    if commits.isEmpty && pendingEdits.isEmpty { finished = true }
    return commits
  }

  /// The edits chosen with this step's commits.
  public mutating func selectEdits(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [TokenEdit] {
    pendingEdits
  }

  /// Generated, unmasked positions of the block whose float32-softmax argmax differs from the
  /// token there with probability above `editThreshold`.
  private mutating func edits(_ context: StepContext) -> [TokenEdit] {
    guard let logits = context.logits else { return [] }
    let v = logits.columns
    if probabilities.count != v { probabilities = [Float](repeating: 0, count: v) }
    var result: [TokenEdit] = []
    for position in context.blockRange
    where position < context.editable.count && context.editable[position]
      && context.canvas[position] != context.settings.maskID
    {
      guard let r = context.logitRow(for: position) else { continue }
      logits.values.withUnsafeBufferPointer { all in
        let row = UnsafeBufferPointer(rebasing: all[(r * v)..<((r + 1) * v)])
        TorchSoftmax.softmax(row, into: &probabilities)
        var best = 0
        for j in 1..<v where row[j] > row[best] { best = j }
        let p = probabilities[best]
        if p > Float(parameters.editThreshold) && Int32(best) != context.canvas[position] {
          result.append(TokenEdit(position: position, token: Int32(best), score: Double(p)))
        }
      }
    }
    return result
  }
}

extension StrategyName {
  /// `TokenEditingRemasking`.
  public static var tokenEditing: StrategyName { "token-editing" }
}

extension Strategy {
  /// `TokenEditingRemasking` with `parameters`.
  public static func tokenEditing(_ parameters: TokenEditingRemasking.Parameters) -> Strategy {
    Strategy(TokenEditingRemasking.descriptor, parameters)
  }
}

/// Where token editing checks its cap on edit-only passes once a block has no mask.
public enum PostStepCap: String, CaseIterable, Codable, Sendable {
  /// SGLang's `JointThreshold`: the pass past the cap runs, then the block ends unchanged.
  case afterPass = "after-pass"
  /// LLaDA2.1's `generate()`: `post_steps += 1; if post_steps > max_post_steps: break` before
  /// the pass.
  case beforePass = "before-pass"
}
