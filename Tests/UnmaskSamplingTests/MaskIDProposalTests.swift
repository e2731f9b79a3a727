import Testing
import UnmaskCore
@testable import UnmaskSampling

/// A position whose prediction is the mask id itself. Every reference loop finds its masks as
/// `x == mask_id` at each step, so "committing" the mask id leaves the position masked and
/// proposes it again; LLaDA's `generate()` may end with masks, and its threshold loops never
/// end. Untrained and small checkpoints do predict the mask id (1 in a few hundred positions of
/// a random 448-token model), so this decides real runs.
@Suite("A proposed mask id leaves the position masked")
struct MaskIDProposalTests {
  static let mask: Int32 = 5

  /// A toy model over a vocabulary of 6 (mask id 5): row `i` puts `rule(tokens, i).logit` on
  /// `rule(tokens, i).token` and 0 on every other token.
  final class RulePredictor: MaskPredictor {
    let rule: (_ tokens: [Int32], _ i: Int) -> (token: Int, logit: Float)
    init(_ rule: @escaping (_ tokens: [Int32], _ i: Int) -> (token: Int, logit: Float)) {
      self.rule = rule
    }
    var vocabularySize: Int { 6 }
    func logits(for request: ForwardRequest) throws -> [Matrix] {
      try request.computingWholeCanvases { try self.logits(for: $0) }
    }
    func logits(for tokens: [Int32]) throws -> Matrix {
      var values = [Float](repeating: 0, count: tokens.count * 6)
      for i in tokens.indices {
        let (token, logit) = rule(tokens, i)
        values[i * 6 + token] = logit
      }
      return Matrix(rows: tokens.count, columns: 6, values: values)
    }
  }

  /// Row `i` predicts the mask id (logit 5) while position `i + 1` is masked, else token
  /// `1 + i % 4` (logit 4); the last position always its token.
  static func waitsForItsRightNeighbour() -> RulePredictor {
    RulePredictor { tokens, i in
      i + 1 < tokens.count && tokens[i + 1] == mask ? (Int(mask), 5) : (1 + i % 4, 4)
    }
  }

  func settings(length: Int, steps: Int, blockLength: Int) -> DenoisingSettings {
    var s = DenoisingSettings()
    s.length = length
    s.steps = steps
    s.blockLength = blockLength
    s.maskID = Self.mask
    s.eosID = nil
    s.eotID = nil
    s.temperature = 0
    return s
  }

  /// LLaDA's loop, one commit per step: the first position's mask-id proposal is the most
  /// confident every time, so every step re-commits it and the quota runs out with the canvas
  /// still masked, as `generate()` does.
  @Test func aCommittedMaskIDIsProposedAgain() throws {
    let recorder = Recorder()
    let result = try Denoiser(
      model: Self.waitsForItsRightNeighbour(),
      settings: settings(length: 4, steps: 4, blockLength: 4)
    ).generate(prompt: [1, 2], observers: [recorder])
    #expect(recorder.steps.count == 4)
    for step in recorder.steps {
      #expect(step.committed.map(\.position) == [2] && step.committed.map(\.token) == [Self.mask])
    }
    #expect(result.generated == [Self.mask, Self.mask, Self.mask, Self.mask])
  }

  /// Enough steps per commit: once the right neighbour is a token, a waiting position gets its
  /// own, so the run ends with no mask, committing right to left.
  @Test func aPositionWaitsUntilItsPredictionIsAToken() throws {
    var s = settings(length: 4, steps: 4, blockLength: 4)
    s.strategy = .threshold(0.5)
    let recorder = Recorder()
    // Threshold 0.5: both the mask-id proposals and the last token clear it; the tokens land.
    let result = try Denoiser(model: Self.waitsForItsRightNeighbour(), settings: s)
      .generate(prompt: [1, 2], observers: [recorder])
    #expect(!result.generated.contains(Self.mask))
    #expect(result.generated == [3, 4, 1, 2])
  }

  /// A greedy loop that runs until its block is complete and commits only the mask id would
  /// repeat the same step forever (the references' do); it stops with a one-line error.
  @Test func aGreedyThresholdLoopProposingOnlyTheMaskIDStopsWithAnError() throws {
    var s = settings(length: 4, steps: 4, blockLength: 4)
    s.strategy = .threshold(0.99)
    // Every row proposes the mask id, confidently.
    let alwaysMask = RulePredictor { _, _ in (Int(Self.mask), 9) }
    #expect {
      try Denoiser(model: alwaysMask, settings: s).generate(prompt: [1, 2])
    } throws: { error in
      "\(error)".contains("only the mask id") && !"\(error)".contains("\n")
    }
  }

  /// On the canvas grid (LLaDA2, SDAR) the references look at the current block's masks only:
  /// masks a finished block kept (its positions kept proposing the mask id) are left behind,
  /// not taken up by later blocks.
  @Test func aGridBlocksLeftoverMasksAreLeftBehind() throws {
    var s = settings(length: 8, steps: 6, blockLength: 4)
    s.blockLayout = .canvasGrid
    let recorder = Recorder()
    let result = try Denoiser(model: Self.waitsForItsRightNeighbour(), settings: s)
      .generate(prompt: [1, 2], observers: [recorder])
    let firstBlock = recorder.steps.filter { $0.block == 0 }
    #expect(
      !firstBlock.isEmpty
        && firstBlock.allSatisfy { $0.committed.allSatisfy { $0.token == Self.mask } })
    for step in recorder.steps where step.block > 0 {
      #expect(
        step.committed.allSatisfy { $0.position >= 4 }, "block \(step.block): \(step.committed)")
    }
    #expect(result.canvas[2] == Self.mask && result.canvas[3] == Self.mask)
  }

  /// LLaDA2.1's token editing may rewrite a committed token to the mask id; the position is
  /// then a mask again, and a later pass commits it, as the reference does.
  @Test func anEditToTheMaskIDMasksThePositionAgain() throws {
    // A masked position proposes token 1; a position holding 1 proposes the mask id, so
    // editing rewrites it to the mask id.
    let flips = RulePredictor { tokens, i in (tokens[i] == 1 ? Int(Self.mask) : 1, 9) }
    var s = DenoisingSettings.preset(.llada21)
    s.maskID = Self.mask
    s.eosID = nil
    s.eotID = nil
    s.length = 4
    s.blockLength = 4
    s.steps = 4
    s.cache = .none  // the toy model is not block-causal
    let recorder = Recorder()
    _ = try Denoiser(model: flips, settings: s).generate(prompt: [2, 3], observers: [recorder])
    let steps = recorder.steps
    let edit = try #require(
      steps.indices.first { steps[$0].edited.contains { $0.token == Self.mask } })
    let position = try #require(steps[edit].edited.first { $0.token == Self.mask }?.position)
    #expect(
      steps[(edit + 1)...].contains { $0.committed.contains { $0.position == position } },
      "the re-masked position \(position) is committed again")
  }

  /// LLaDA2's `generate()` caps the steps per block at `length / minimal_topk`; SDAR's runs its
  /// `denoising_steps` whatever the length.
  @Test func onlyLLaDA2CapsTheStepsPerBlockAtTheLength() {
    for (preset, expected) in [(PresetName.llada2, 2), (.sdar, 4)] {
      var s = DenoisingSettings.preset(preset)
      s.length = 2
      s.blockLength = 8
      s.steps = 4
      #expect(s.stepsPerBlock == expected, "\(preset)")
    }
  }
}
