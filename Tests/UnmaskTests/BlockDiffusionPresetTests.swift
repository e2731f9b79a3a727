import Foundation
import Testing
import Unmask

/// `--preset llada2` and `--preset sdar` against their references' own generations on the tiny
/// checkpoints (scripts/fixtures/make_moe_fixtures.py, make_block_diffusion_fixtures.py): the
/// same tokens, with the exact block cache (the presets' default) and without it.
@Suite struct BlockDiffusionPresetTests {
  struct Golden: Decodable {
    struct Case: Decodable {
      var name: String
      var fixture: String?
      var settings: [String: JSONValue]?
      var prompt_ids: [Int32]
      var output_ids: [Int32]
      // SDAR's cases keep their settings at the top level.
      var gen_length: Int?
      var block_length: Int?
      var denoising_steps: Int?
      var remasking_strategy: String?
      var confidence_threshold: Double?
      var mask_id: Int32?
      var overwritten_positions: [Int]?
      var nfe: Int?
    }
    var fixture: String?
    var cases: [Case]
  }

  static func golden(_ file: String) throws -> Golden {
    try JSONDecoder().decode(
      Golden.self, from: Data(contentsOf: Fixtures.root.appendingPathComponent("golden/\(file)")))
  }

  static func model(_ fixture: String) throws -> any MaskedDiffusionModel {
    try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
  }

  /// LLaDA2's `generate()` settings as overrides of the preset, the way flags give them.
  static func llada2Settings(_ c: Golden.Case, cache: CacheMode) throws -> DenoisingSettings {
    let s = try #require(c.settings)
    var o: [String: JSONValue] = ["cache": .string(cache.rawValue)]
    o["length"] = s["gen_length"]
    o["block_length"] = s["block_length"]
    o["steps"] = s["steps"]
    o["threshold"] = s["threshold"]
    o["minimal_topk"] = s["minimal_topk"]
    o["mask_id"] = s["mask_id"]
    o["eos_id"] = s["eos_id"]
    return try DenoisingSettings.preset(.llada2).applying(o)
  }

  @Test(arguments: [CacheMode.exact, .none])
  func llada2PresetEqualsGenerate(cache: CacheMode) throws {
    let golden = try Self.golden("generate-llada2.json")
    var matched = 0
    for c in golden.cases {
      let model = try Self.model(try #require(c.fixture))
      let settings = try Self.llada2Settings(c, cache: cache)
      let result = try Denoiser(model: model, settings: settings).generate(prompt: c.prompt_ids)
      // What generate() returns: the generated part, cut after its first EOS (`AfterEOS.cut`).
      #expect(result.generated == c.output_ids, "\(c.name), cache \(cache)")
      if result.generated == c.output_ids { matched += 1 }
      // The exact cache computes fewer rows; without it every pass is the whole canvas.
      if cache == .exact {
        #expect(result.positionsComputed < result.positionsWithoutCache)
      } else {
        #expect(result.positionsComputed == result.positionsWithoutCache)
      }
    }
    print("llada2 (cache \(cache)): \(matched)/\(golden.cases.count) generations reproduced")
  }

  @Test(arguments: [CacheMode.exact, .none])
  func llada21PresetEqualsGenerateWithTokenEditing(cache: CacheMode) throws {
    let golden = try Self.golden("generate-llada21.json")
    var matched = 0
    for c in golden.cases {
      let s = try #require(c.settings)
      var o: [String: JSONValue] = ["cache": .string(cache.rawValue)]
      for (key, name) in [
        ("length", "gen_length"), ("block_length", "block_length"), ("steps", "steps"),
        ("threshold", "threshold"), ("editing_threshold", "editing_threshold"),
        ("max_post_steps", "max_post_steps"), ("num_to_transfer", "num_to_transfer"),
        ("mask_id", "mask_id"), ("eos_id", "eos_id"), ("minimal_topk", "minimal_topk"),
        ("end_after_eos_block", "eos_early_stop"),
      ] {
        o[key] = s[name]
      }
      let settings = try DenoisingSettings.preset(.llada21).applying(o)
      let model = try Self.model(try #require(c.fixture))
      let result = try Denoiser(model: model, settings: settings).generate(prompt: c.prompt_ids)
      #expect(result.generated == c.output_ids, "\(c.name), cache \(cache)")
      #expect(result.forwardPasses == c.nfe, "\(c.name): passes")
      if result.generated == c.output_ids { matched += 1 }
    }
    print("llada2.1 (cache \(cache)): \(matched)/\(golden.cases.count) generations reproduced")
  }

  /// Fast-dLLM v2's `batch_sample` goldens, with and without the exact cache, and the
  /// `use_block_cache` cases with `--use-block-cache` (the reference's stale keys and values
  /// inside a block; with the exact cache alone they give the tokens of no cache). Cases with a
  /// prompt exactly one block long are not compared: its passes never attend to the prompt (no
  /// prefill, and `x_t[:, -block_size:]` is the masks alone), a quirk not reproduced.
  @Test(arguments: [CacheMode.exact, .none])
  func fastDLLMv2PresetEqualsBatchSample(cache: CacheMode) throws {
    try compareFastDLLMv2(cache: cache, blockCache: false)
  }

  @Test func fastDLLMv2BlockCacheEqualsBatchSample() throws {
    try compareFastDLLMv2(cache: .exact, blockCache: true)
  }

  func compareFastDLLMv2(cache: CacheMode, blockCache: Bool) throws {
    let golden = try Self.golden("generate-fast-dllm-v2.json")
    var matched = 0
    var compared = 0
    for c in golden.cases {
      let s = try #require(c.settings)
      let block = try #require(s["block_size"]?.intValue)
      if (s["use_block_cache"]?.boolValue ?? false) != blockCache || c.prompt_ids.count == block {
        continue
      }
      compared += 1
      var o: [String: JSONValue] = ["cache": .string(cache.rawValue)]
      o["length"] = s["max_new_tokens"]
      o["block_length"] = s["block_size"]
      o["sub_block_length"] = s["small_block_size"]
      o["threshold"] = s["threshold"]
      o["mask_id"] = s["mask_id"]
      o["use_block_cache"] = .bool(blockCache)
      let stop = try #require(s["stop_token"]?.intValue)
      o["eos_id"] = stop >= 0 ? .integer(stop) : .null
      o["pad_id"] = s["pad_token_id"]
      let settings = try DenoisingSettings.preset(.fastDLLMv2).applying(o)
      let model = try Self.model(try #require(c.fixture))
      let result = try Denoiser(model: model, settings: settings).generate(prompt: c.prompt_ids)
      // The returned row: a stop token ends the run at its block's end, the rest of the block
      // padded (`AfterEOS.pad`); without one, every block and the next token after them.
      let got = c.prompt_ids + result.generated
      #expect(got == c.output_ids, "\(c.name), cache \(cache), block cache \(blockCache)")
      if got == c.output_ids { matched += 1 }
    }
    #expect(compared >= 2)
    print(
      "fast-dllm-v2 (cache \(cache), block cache \(blockCache)): \(matched)/\(compared) generations reproduced"
    )
  }

  /// `batch_sample` runs `max_new_tokens // block_size` blocks after the prompt's whole ones,
  /// then the next token (a length below one block is refused: see the next test).
  @Test func fastDLLMv2RunsTheWholeBlocksOfItsLength() throws {
    let model = try Self.model("tiny-fast-dllm-v2")
    var settings = DenoisingSettings.preset(.fastDLLMv2)
    settings.blockLength = 8
    settings.maskID = 442
    settings.eosID = nil
    let prompt: [Int32] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    for (length, generated) in [(16, 14), (20, 14), (24, 22)] {
      settings.length = length
      let result = try Denoiser(model: model, settings: settings).generate(prompt: prompt)
      // Blocks 1 and 2 (8..<24) hold 13 generated positions, then the next token at 24.
      #expect(result.generated.count == generated, "length \(length)")
      #expect(!result.generated.contains(settings.maskID))
    }
  }

  /// `--use-block-cache` is the exact cache's variant for Fast-dLLM v2's sub-blocks.
  @Test func blockCacheNeedsTheExactCacheAndSubBlocks() throws {
    var settings = DenoisingSettings.preset(.fastDLLMv2)
    settings.useBlockCache = true
    try settings.validate()
    for change in [
      { (s: inout DenoisingSettings) in s.cache = .none }, { $0.strategy = .confidence },
    ] {
      var other = settings
      change(&other)
      let error = #expect(throws: SamplingError.self) { try other.validate() }
      #expect("\(error!)".contains("use-block-cache"))
    }
  }

  /// `--length` alone keeps a block-diffusion preset's block and steps per block (a plain
  /// preset's length alone means one block).
  @Test(arguments: [PresetName.llada2, .llada21, .sdar, .fastDLLMv2])
  func lengthAloneKeepsTheBlock(preset: PresetName) throws {
    let base = DenoisingSettings.preset(preset)
    let settings = try base.applying(["length": .integer(256)])
    #expect(settings.blockLength == base.blockLength && settings.steps == base.steps)
    #expect(settings.length == 256)
    // Steps past a block's positions never run on the grid (a block ends with its last mask),
    // so the front ends' idle-step check lets the references' defaults through.
    var small: [String: JSONValue] = ["length": .integer(16), "block_length": .integer(4)]
    // Fast-dLLM v2's sub-blocks of 8 must divide the block.
    if preset == .fastDLLMv2 { small["sub_block_length"] = .integer(4) }
    let short = try base.applying(small)
    try short.checkEveryStepCanCommit()
  }

  /// A block length Fast-dLLM v2 cannot run (above the length: no block), and a cache a
  /// block-diffusion preset cannot use exactly, are one-line errors naming the flag.
  @Test func impossibleBlockDiffusionSettingsNameTheFlag() throws {
    #expect {
      try DenoisingSettings.preset(.fastDLLMv2).applying([
        "length": .integer(16), "block_length": .integer(32),
      ])
    } throws: { "\($0)".contains("block-length") }
    #expect {
      try DenoisingSettings.preset(.sdar).applying(["cache": .string("dual")])
    } throws: { "\($0)".contains("cache") }
    // Sub-blocks that do not divide the block: batch_sample would never decode the rest.
    #expect {
      try DenoisingSettings.preset(.fastDLLMv2).applying([
        "block_length": .integer(12), "sub_block_length": .integer(8),
      ])
    } throws: { "\($0)".contains("sub-block-length") }
  }

  static func sdarSettings(_ c: Golden.Case, cache: CacheMode) throws -> DenoisingSettings {
    var o: [String: JSONValue] = ["cache": .string(cache.rawValue)]
    o["length"] = .integer(try #require(c.gen_length))
    o["block_length"] = .integer(try #require(c.block_length))
    o["steps"] = .integer(try #require(c.denoising_steps))
    o["mask_id"] = .integer(Int(try #require(c.mask_id)))
    let strategy = try #require(c.remasking_strategy).replacingOccurrences(of: "_", with: "-")
    o["strategy"] = .string(strategy)
    if strategy == "low-confidence-dynamic" {
      o["threshold"] = .number(try #require(c.confidence_threshold))
    }
    return try DenoisingSettings.preset(.sdar).applying(o)
  }

  @Test(arguments: [CacheMode.exact, .none])
  func sdarPresetEqualsBlockDiffusionGenerate(cache: CacheMode) throws {
    let golden = try Self.golden("generate-sdar.json")
    let model = try Self.model(try #require(golden.fixture))
    var matched = 0
    var rewrites = 0
    for c in golden.cases {
      let settings = try Self.sdarSettings(c, cache: cache)
      let result = try Denoiser(model: model, settings: settings).generate(prompt: c.prompt_ids)
      // generate.py returns the whole canvas: prompt, blocks, the last block's overhang.
      #expect(result.canvas == c.output_ids, "\(c.name), cache \(cache)")
      if result.canvas == c.output_ids { matched += 1 }
      rewrites += c.overwritten_positions?.count ?? 0
    }
    #expect(rewrites > 0, "the goldens include the reference's rewrites of committed tokens")
    print("sdar (cache \(cache)): \(matched)/\(golden.cases.count) generations reproduced")
  }
}
