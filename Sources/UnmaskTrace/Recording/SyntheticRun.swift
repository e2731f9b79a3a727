import UnmaskSampling

/// Deterministic fake denoising events (no model): semi-autoregressive blocks, a fixed number
/// of commits per step, scores from a hash. Used by the benchmark and the tests.
public struct SyntheticRun: Sendable {
  /// Canvas length.
  public let positions: Int
  /// Prompt tokens at the start.
  public let promptLength: Int
  /// Total steps.
  public let stepCount: Int
  /// Blocks the generated part is split into.
  public let blocks: Int
  /// The mask token id used in canvases.
  public static let maskToken: Int32 = 999_999

  /// A run of `steps` steps over `positions` positions, `blocks` equal blocks.
  public init(positions: Int, promptLength: Int, steps: Int, blocks: Int) {
    self.positions = max(positions, 1)
    self.promptLength = min(max(promptLength, 0), self.positions - 1)
    self.stepCount = max(steps, 1)
    self.blocks = max(1, min(blocks, self.positions - self.promptLength, self.stepCount))
  }

  /// Prompt ids.
  public var prompt: [Int32] { (0..<promptLength).map { Int32($0 + 1) } }
  /// Starting canvas.
  public var start: [Int32] {
    prompt + [Int32](repeating: SyntheticRun.maskToken, count: positions - promptLength)
  }
  /// Token committed at `position`.
  public static func token(at position: Int) -> Int32 { Int32(100 + position % 50) }
  /// Final canvas.
  public var final: [Int32] {
    (0..<positions).map { $0 < promptLength ? Int32($0 + 1) : SyntheticRun.token(at: $0) }
  }

  /// Every step event, collected (small runs; large ones use `forEachStep`).
  public func steps() -> [DenoisingStep] {
    var result: [DenoisingStep] = []
    forEachStep { result.append($0) }
    return result
  }

  /// Calls `body` with each step event in order, one at a time (O(positions) memory).
  public func forEachStep(_ body: (DenoisingStep) throws -> Void) rethrows {
    var canvas = start
    let generated = positions - promptLength
    let stepsPerBlock = max(1, stepCount / blocks)
    var index = 0
    for block in 0..<blocks {
      let lower = promptLength + generated * block / blocks
      let upper = promptLength + generated * (block + 1) / blocks
      let blockSteps = block == blocks - 1 ? stepCount - index : stepsPerBlock
      var remaining = Array(lower..<upper)
      for inBlock in 0..<blockSteps {
        let maskedBefore = canvas.reduce(0) { $0 + ($1 == SyntheticRun.maskToken ? 1 : 0) }
        var confidence = [Float](repeating: .nan, count: positions)
        var entropy = [Float](repeating: .nan, count: positions)
        for p in 0..<positions where canvas[p] == SyntheticRun.maskToken {
          let h = Float((p * 2654435761 + index * 40503) % 1000) / 1000
          confidence[p] = h
          entropy[p] = 3 * (1 - h)
        }
        let count = (remaining.count + (blockSteps - inBlock) - 1) / max(blockSteps - inBlock, 1)
        let chosen = remaining.prefix(count)
        remaining.removeFirst(chosen.count)
        let commits = chosen.map {
          DenoisingStep.Commit(
            position: $0, token: SyntheticRun.token(at: $0), score: confidence[$0])
        }
        for commit in commits { canvas[commit.position] = commit.token }
        try body(
          DenoisingStep(
            index: index, block: block, stepInBlock: inBlock,
            time: 1 - Double(inBlock) / Double(blockSteps),
            nextTime: 1 - Double(inBlock + 1) / Double(blockSteps), promptLength: promptLength,
            blockRange: lower..<upper, maskedBefore: maskedBefore, canvas: canvas,
            committed: commits, remasked: [], confidence: confidence, margin: confidence,
            entropy: entropy, modelSeconds: 0))
        index += 1
      }
    }
  }
}
