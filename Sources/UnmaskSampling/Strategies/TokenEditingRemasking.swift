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
public struct TokenEditingRemasking: RemaskingStrategy {
  /// JointThreshold's parameters (SGLang defaults 0.5, 0, 16).
  public struct Parameters: Equatable, Sendable {
    /// Mask-to-token threshold, in [0, 1).
    public var threshold: Double = 0.5
    /// Token-to-token threshold, in [0, 1).
    public var editThreshold: Double = 0
    /// Edit-only steps allowed once the block has no mask, in 0...1024.
    public var maxPostEditSteps: Int = 16
    /// The SGLang defaults.
    public init() {}
    /// Parameters with every field given.
    public init(threshold: Double, editThreshold: Double, maxPostEditSteps: Int) {
      self.threshold = threshold
      self.editThreshold = editThreshold
      self.maxPostEditSteps = maxPostEditSteps
    }

    /// The JSON keys, as the CLI flags are named (`--threshold`, `--edit-threshold`,
    /// `--max-post-edit-steps`).
    static let keys = ["threshold", "edit_threshold", "max_post_edit_steps"]

    init(reading object: SettingsObject) throws {
      threshold = try object.double("threshold") ?? threshold
      editThreshold = try object.double("edit_threshold") ?? editThreshold
      maxPostEditSteps = try object.int("max_post_edit_steps") ?? maxPostEditSteps
    }

    var json: [String: JSONValue] {
      [
        "threshold": .number(threshold), "edit_threshold": .number(editThreshold),
        "max_post_edit_steps": .integer(maxPostEditSteps),
      ]
    }

    /// Throws `SamplingError.invalidSetting` naming the flag and its range.
    public func validate() throws {
      guard threshold >= 0, threshold < 1 else {
        throw SamplingError.invalidSetting(
          field: "threshold", message: "must be in [0, 1) for token-editing, got \(threshold)")
      }
      guard editThreshold >= 0, editThreshold < 1 else {
        throw SamplingError.invalidSetting(
          field: "edit-threshold", message: "must be in [0, 1), got \(editThreshold)")
      }
      guard maxPostEditSteps >= 0, maxPostEditSteps <= 1024 else {
        throw SamplingError.invalidSetting(
          field: "max-post-edit-steps", message: "must be in 0...1024, got \(maxPostEditSteps)")
      }
    }
  }

  /// The parameters.
  public var parameters: Parameters
  private var finished = false
  private var stepsInBlock = 0
  private var postEditSteps = 0
  private var pendingEdits: [TokenEdit] = []
  private var probabilities: [Float] = []

  /// A token-editing strategy.
  public init(parameters: Parameters) { self.parameters = parameters }

  /// `.tokenEditing`.
  public var name: StrategyName { .tokenEditing }
  /// Runs on its own stopping rule (see `continuesBlock`).
  public var runsUntilBlockComplete: Bool { true }

  /// A new block starts while it has a mask; then until a step changes nothing or a cap is hit.
  public func continuesBlock(stepInBlock: Int, complete: Bool, blockLength: Int) -> Bool? {
    if stepInBlock == 0 { return !complete }
    return !finished && stepInBlock < blockLength + parameters.maxPostEditSteps
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
    if !context.proposals.isEmpty {
      commits = context.proposals.filter { $0.confidence > parameters.threshold }
        .map { ScoredPosition(position: $0.position, score: $0.confidence) }
      if commits.isEmpty {
        // torch.topk(confidence, k=1) over the block's slice.
        let positions = context.proposals.map(\.position)
        let lower = min(context.blockRange.lowerBound, positions.min() ?? 0)
        let upper = max(context.blockRange.upperBound, (positions.max() ?? 0) + 1)
        var row = [Double](repeating: -.infinity, count: upper - lower)
        for p in context.proposals { row[p.position - lower] = p.confidence }
        let best = TorchTopK.indices(of: row, k: 1)[0]
        commits = [ScoredPosition(position: lower + best, score: row[best])]
      }
    } else {
      postEditSteps += 1
      if postEditSteps > parameters.maxPostEditSteps {
        finished = true
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
      logits.values.withUnsafeBufferPointer { all in
        let row = UnsafeBufferPointer(rebasing: all[(position * v)..<((position + 1) * v)])
        TorchSoftmax.softmax(row, into: &probabilities)
        var best = 0
        for j in 1..<v where row[j] > row[best] { best = j }
        let p = Double(probabilities[best])
        if p > parameters.editThreshold && Int32(best) != context.canvas[position] {
          result.append(TokenEdit(position: position, token: Int32(best), score: p))
        }
      }
    }
    return result
  }
}
