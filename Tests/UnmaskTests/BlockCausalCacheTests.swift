import Foundation
import Testing
import Unmask

/// A fixture read under a block-causal mask, as block-diffusion checkpoints are: it counts the
/// rows each pass runs, so the cache's saving shows.
final class BlockCausalFixture: MaskPredictor {
  let base: any MaskedDiffusionModel
  let blockLength: Int
  private(set) var rowsRun = 0
  init(_ base: any MaskedDiffusionModel, blockLength: Int) {
    self.base = base
    self.blockLength = blockLength
  }
  var vocabularySize: Int { base.vocabularySize }
  var attentionMask: AttentionMask { .blockCausal(blockLength: blockLength) }
  func makeKVCache(positions: Int) -> KVCache? { base.makeKVCache(positions: positions) }
  func logits(for request: ForwardRequest) throws -> [Matrix] {
    var masked = request
    masked.mask = request.mask ?? attentionMask
    rowsRun += request.canvases.reduce(0) { $0 + $1.window.count }
    return try base.logits(for: masked)
  }
}

/// `--cache exact`: on a block-causal model the cache over finished blocks changes no token,
/// whatever the strategy, the prompt's alignment or the batch, and runs fewer rows.
@Suite struct BlockCausalCacheTests {
  static func settings(mask: Int32, _ change: (inout DenoisingSettings) -> Void)
    -> DenoisingSettings
  {
    BatchGenerationTests.settings(.llada, mask: mask) {
      $0.length = 24
      $0.steps = 24
      change(&$0)
    }
  }

  static let cases: [(String, [Int32], (inout DenoisingSettings) -> Void)] = [
    ("tiny-llada", Array(1...8), { _ in }),
    ("tiny-llada", [5, 6, 7], { _ in }),  // blocks not aligned with the mask's
    (
      "tiny-llada-gqa", Array(10...17),
      {
        $0.strategy = .threshold(0.3); $0.steps = 24
      }
    ),
    (
      "tiny-llada", Array(1...8),
      {
        $0.temperature = 0.9; $0.seed = 3
      }
    ),
    (
      "tiny-dream", Array(20...27),
      {
        $0.proposal = .dream; $0.strategy = .margin
      }
    ),
  ]

  @Test(arguments: cases.indices)
  func exactCacheGivesTheTokensOfNoCache(index: Int) throws {
    let (fixture, prompt, change) = Self.cases[index]
    let loaded = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
    let mask = try #require(loaded.maskTokenID)
    let plain = BlockCausalFixture(loaded, blockLength: 8)
    let cached = BlockCausalFixture(loaded, blockLength: 8)
    let none = try Denoiser(model: plain, settings: Self.settings(mask: mask, change))
      .generate(prompt: prompt)
    let exact = try Denoiser(
      model: cached,
      settings: Self.settings(mask: mask) {
        change(&$0); $0.cache = .exact
      }
    ).generate(prompt: prompt)
    print(
      "\(fixture) case \(index): rows run \(plain.rowsRun) without the cache, \(cached.rowsRun) with it"
    )
    #expect(exact.generated == none.generated)
    #expect(exact.forwardPasses == none.forwardPasses)
    #expect(cached.rowsRun < plain.rowsRun)
    // Batched lanes keep their own caches and give the same tokens.
    let batch = try Denoiser(
      model: BlockCausalFixture(loaded, blockLength: 8),
      settings: Self.settings(mask: mask) {
        change(&$0); $0.cache = .exact
      }
    ).generate(batch: [prompt, [300, 301]])
    #expect(batch[0].generated == none.generated)
  }

  @Test func exactIsRefusedOnABidirectionalModel() throws {
    let model = try ModelRegistry.load(
      contentsOf: Fixtures.root.appendingPathComponent("tiny-llada"))
    let mask = try #require(model.maskTokenID)
    #expect {
      _ = try Denoiser(model: model, settings: Self.settings(mask: mask) { $0.cache = .exact })
    } throws: { error in
      "\(error)".contains("cache") && "\(error)".contains("block-causal")
    }
  }
}
