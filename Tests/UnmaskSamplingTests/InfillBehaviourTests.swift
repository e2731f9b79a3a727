import Testing
import UnmaskCore
@testable import UnmaskSampling

/// Infilling beyond the goldens: LLaDA-style runs with masks in the prompt and a suffix.
@Suite("Infilling: masks anywhere in the canvas")
struct InfillBehaviourTests {
  func settings(blocks: Int) -> DenoisingSettings {
    var s = DenoisingSettings()
    s.length = 16
    s.blockLength = 16 / blocks
    s.steps = 8
    s.maskID = 111
    s.eosID = 100
    s.eotID = 101
    return s
  }

  /// Prompt masks join the first block and suffix masks the last: their commits happen inside
  /// those blocks, counted in their budgets (LLaDA's even split of M over the block's steps).
  @Test func promptMasksFillInTheFirstBlockAndSuffixMasksInTheLast() throws {
    let s = settings(blocks: 2)
    let prompt: [Int32] = [4, 111, 6, 111]
    let suffix: [Int32] = [7, 111, 9]
    let recorder = Recorder()
    let result = try Denoiser(model: try ToyPredictor.load(), settings: s)
      .generate(prompt: prompt, suffix: suffix, observers: [recorder])
    #expect(!result.canvas.contains(111))
    #expect(result.canvas.count == 4 + 16 + 3)
    #expect(
      [0, 2, 20, 22].allSatisfy {
        result.canvas[$0] == [4, 6, 7, 9][[0, 2, 20, 22].firstIndex(of: $0)!]
      })
    #expect(result.generated.count == 16)
    let firstBlock = recorder.steps.filter { $0.block == 0 }.flatMap(\.committed).map(\.position)
    let lastBlock = recorder.steps.filter { $0.block == 1 }.flatMap(\.committed).map(\.position)
    #expect(Set(firstBlock) == Set([1, 3] + Array(4..<12)))
    #expect(Set(lastBlock) == Set(Array(12..<20) + [21]))
    // Block 0: 10 masks over 4 steps = [3, 3, 2, 2] (get_num_transfer_tokens).
    let counts = recorder.steps.filter { $0.block == 0 }.map(\.committed.count)
    #expect(counts == [3, 3, 2, 2])
  }

  @Test func sameSeedSameInfill() throws {
    var s = settings(blocks: 1)
    s.temperature = 0.8
    s.seed = 11
    let denoiser = try Denoiser(model: try ToyPredictor.load(), settings: s)
    let a = try denoiser.generate(prompt: [111, 5, 111], suffix: [111, 8])
    let b = try denoiser.generate(prompt: [111, 5, 111], suffix: [111, 8])
    #expect(a == b || (a.canvas == b.canvas && a.forwardPasses == b.forwardPasses))
  }

  @Test func canvasShorterThanTheSpanIsRejected() throws {
    let s = settings(blocks: 1)
    #expect(throws: SamplingError.self) {
      try Denoiser(model: try ToyPredictor.load(), settings: s)
        .generate(canvas: [4, 5, 111], promptLength: 2)
    }
  }

  /// Every strategy fills prompt and suffix masks and leaves fixed tokens alone.
  @Test(arguments: StrategyName.allCases)
  func everyStrategyFillsEveryMask(strategy: StrategyName) throws {
    var s = settings(blocks: 2)
    s.strategy = .defaults(strategy)
    if strategy == .dreamThreshold { s.steps = 8 }
    let result = try Denoiser(model: try ToyPredictor.load(), settings: s)
      .generate(prompt: [4, 111, 6], suffix: [111, 9])
    #expect(!result.canvas.contains(111))
    #expect(
      result.canvas[0] == 4 && result.canvas[2] == 6 && result.canvas[result.canvas.count - 1] == 9)
  }
}
