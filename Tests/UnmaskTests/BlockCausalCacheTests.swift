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
  var readsPreviousRow: Bool { base.readsPreviousRow }
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

  /// The tiny fixtures; block-diffusion checkpoints (SDAR `block_size` 4, Fast-dLLM v2 `bd_size`
  /// 8 with its shifted rows) run under their own mask, the others under blocks of 8.
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
    ("tiny-sdar", Array(1...8), { _ in }),
    ("tiny-sdar", [5, 6, 7, 8, 9], { $0.strategy = .threshold(0.3) }),  // ends inside a block
    (
      "tiny-sdar", [20, 21, 22],
      {
        $0.blockLength = 4; $0.steps = 12
      }
    ),
    ("tiny-fast-dllm-v2", Array(10...17), { _ in }),
    ("tiny-fast-dllm-v2", [5, 6, 7, 8, 9, 10, 11], { $0.strategy = .threshold(0.3) }),
    (
      "tiny-fast-dllm-v2", [30, 31, 32],
      {
        $0.temperature = 0.9; $0.seed = 3
      }
    ),
  ]

  @Test(arguments: cases.indices)
  func exactCacheGivesTheTokensOfNoCache(index: Int) throws {
    let (fixture, prompt, change) = Self.cases[index]
    let loaded = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
    let mask = loaded.maskTokenID ?? 442  // tiny-fast-dllm-v2 names it in its tokenizer only
    var block = 8
    if case .blockCausal(let own) = loaded.attentionMask { block = own }
    let plain = BlockCausalFixture(loaded, blockLength: block)
    let cached = BlockCausalFixture(loaded, blockLength: block)
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
      model: BlockCausalFixture(loaded, blockLength: block),
      settings: Self.settings(mask: mask) {
        change(&$0); $0.cache = .exact
      }
    ).generate(batch: [prompt, [300, 301]])
    #expect(batch[0].generated == none.generated)
  }

  @Test(arguments: ["tiny-llada", "tiny-a2d-qwen3"])
  func exactIsRefusedOnABidirectionalModel(fixture: String) throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
    let mask = model.maskTokenID ?? 442
    #expect {
      _ = try Denoiser(model: model, settings: Self.settings(mask: mask) { $0.cache = .exact })
    } throws: { error in
      "\(error)".contains("cache") && "\(error)".contains("block-causal")
    }
  }
}
