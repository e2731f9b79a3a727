import Foundation
import Testing
import Unmask

/// `--preset mdlm` and `--preset bd3lm` against dllm's `MDLMSampler.sample` and
/// `BD3LMSampler.sample` on tiny-a2d-qwen3 (scripts/fixtures/make_block_sampler_goldens.py):
/// every golden case's settings as overrides of the preset, the way flags give them; the whole
/// canvas the reference returns, and its forward passes.
@Suite struct DLLMSamplerPresetTests {
  struct Golden: Decodable {
    struct Case: Decodable {
      var name: String
      var fixture: String
      var settings: [String: JSONValue]
      var prompt_ids: [Int32]
      var output_ids: [Int32]
      var nfe: Int
      var transfer_schedules: [[Int]]
    }
    /// `[N, steps, counts]`: `get_num_transfer_tokens` for a grid of block sizes and steps.
    var transfer_table: [[JSONValue]]
    var cases: [Case]
  }

  static func golden(_ sampler: String) throws -> Golden {
    let url = Fixtures.root.appendingPathComponent("golden/generate-a2d-\(sampler).json")
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }

  static func model(_ fixture: String) throws -> any MaskedDiffusionModel {
    try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
  }

  /// The sampler's keyword arguments as overrides of `preset`. BD3LM's `steps_per_block` is
  /// given as `--steps steps_per_block * blocks` (`ceil(steps / blocks)` gives it back).
  static func settings(_ c: Golden.Case, preset: PresetName, cache: CacheMode = .none) throws
    -> DenoisingSettings
  {
    let s = c.settings
    let length = try #require(s["max_new_tokens"]?.intValue)
    let block = try #require(s["block_size"]?.intValue)
    var steps = try #require(s["steps"]?.intValue)
    if let perBlock = s["steps_per_block"]?.intValue {
      steps = perBlock * ((length + block - 1) / block)
    }
    #expect(s["remasking"]?.stringValue == "low_confidence")
    let o: [String: JSONValue] = [
      "length": .integer(length), "block_length": .integer(block), "steps": .integer(steps),
      "temperature": try #require(s["temperature"]), "cfg_scale": try #require(s["cfg_scale"]),
      "right_shift_logits": try #require(s["right_shift_logits"]),
      "mask_id": try #require(s["mask_id"]), "eos_id": try #require(s["eos_id"]),
      "cache": .string(cache.rawValue),
    ]
    return try DenoisingSettings.preset(preset).applying(o)
  }

  @Test func mdlmPresetEqualsMDLMSampler() throws {
    let golden = try Self.golden("mdlm")
    var matched = 0
    for c in golden.cases {
      let settings = try Self.settings(c, preset: .mdlm)
      let model = try Self.model(c.fixture)
      let result = try Denoiser(model: model, settings: settings).generate(prompt: c.prompt_ids)
      // The sampler returns the whole canvas: prompt + max_new_tokens, no EOS handling.
      #expect(result.canvas == c.output_ids, "\(c.name)")
      // Its nfe counts a guided step's two sequences (one batch) once; we count each canvas.
      let passesPerStep = settings.cfgScale > 0 ? 2 : 1
      #expect(result.forwardPasses == c.nfe * passesPerStep, "\(c.name): passes")
      if result.canvas == c.output_ids { matched += 1 }
    }
    print("mdlm: \(matched)/\(golden.cases.count) generations reproduced")
  }

  @Test(arguments: [CacheMode.exact, .none])
  func bd3lmPresetEqualsBD3LMSampler(cache: CacheMode) throws {
    let golden = try Self.golden("bd3lm")
    var matched = 0
    for c in golden.cases {
      // Guidance has no cache (its unconditional canvas would need its own): none there.
      let guided = c.settings["cfg_scale"]?.doubleValue ?? 0 > 0
      let settings = try Self.settings(c, preset: .bd3lm, cache: guided ? .none : cache)
      let model = try Self.model(c.fixture)
      let result = try Denoiser(model: model, settings: settings).generate(prompt: c.prompt_ids)
      // The reference never appends the blocks after an EOS block (nor are they returned
      // here), and left-pads the prompt to whole blocks (ours attends as if padded:
      // `blockCausalAligned`).
      let b = settings.blockLength
      let l = c.prompt_ids.count
      let end = l + result.generated.count
      let padding = [Int32](
        repeating: Int32(try #require(c.settings["pad_id"]?.intValue)),
        count: (l + b - 1) / b * b - l)
      let returned = padding + c.prompt_ids + result.generated
      #expect(returned == c.output_ids, "\(c.name), cache \(cache)")
      // The reference runs one more pass per block (per sequence with guidance): the prefix
      // pass that fills the cache its steps read. The exact cache folds it into the block's
      // first step; without a cache each step's pass over the whole canvas gives the block the
      // same rows (block-causal: no later block is read).
      let blocks = (end - l + b - 1) / b
      let passesPerStep = settings.cfgScale > 0 ? 2 : 1
      #expect(result.forwardPasses + blocks * passesPerStep == c.nfe, "\(c.name): passes")
      if returned == c.output_ids { matched += 1 }
    }
    print("bd3lm (cache \(cache)): \(matched)/\(golden.cases.count) generations reproduced")
  }

  @Test(arguments: ["mdlm", "bd3lm"])
  func halfEvenPlanEqualsGetNumTransferTokens(sampler: String) throws {
    let golden = try Self.golden(sampler)
    let linear = DenoisingSettings().makeSchedule()
    for row in golden.transfer_table {
      let n = try #require(row[0].intValue)
      let steps = try #require(row[1].intValue)
      let counts = try #require(row[2].integerArray)
      #expect(
        CommitCounter.halfEvenPlan(masked: n, steps: steps, schedule: linear) == counts,
        "N \(n), steps \(steps)")
    }
    // And each case's blocks, as the loop builds their counters.
    for c in golden.cases {
      let settings = try Self.settings(c, preset: sampler == "mdlm" ? .mdlm : .bd3lm)
      let length = settings.length
      let b = settings.blockLength
      for (k, schedule) in c.transfer_schedules.enumerated() where settings.cfgScale == 0 {
        let masks = min(b, length - k * b)
        let counter = CommitCounter(settings: settings, maskedAtStart: masks)
        #expect(counter.plan == schedule, "\(c.name), block \(k)")
      }
    }
  }

  /// `blockCausalAligned` is `_prepare_for_sampling`'s mask with the left padding taken out:
  /// padding `P` to whole blocks, logical `q` and `k` at physical `q + P`, `k + P`; `k` visible
  /// iff `(k + P) / B <= (q + P) / B`.
  @Test(arguments: [[5, 4, 12], [8, 4, 12], [11, 8, 20], [1, 3, 7], [6, 1, 5]])
  func alignedMaskEqualsBD3LMPaddedMask(shape: [Int]) {
    let (prompt, block, generated) = (shape[0], shape[1], shape[2])
    let t = prompt + generated
    let p = (prompt + block - 1) / block * block - prompt
    let mask = AttentionMask.blockCausalAligned(blockLength: block, boundary: prompt)
    for q in 0..<t {
      let visible = (0..<t).filter { ($0 + p) / block <= (q + p) / block }
      #expect(Array(mask.keys(for: q, canvasLength: t)) == visible, "query \(q)")
    }
  }

  /// `--length` alone: one block for `mdlm` (as `ceil(length / 128)` is for length <= 128),
  /// BD3LM's trained block of 32 kept for `bd3lm`.
  @Test func lengthAloneKeepsBD3LMBlocks() throws {
    let mdlm = try DenoisingSettings.preset(.mdlm).applying(["length": .integer(64)])
    #expect(mdlm.blockLength == 64 && mdlm.blockCount == 1 && mdlm.stepsPerBlock == 64)
    let bd3lm = try DenoisingSettings.preset(.bd3lm).applying(["length": .integer(70)])
    #expect(bd3lm.blockLength == 32 && bd3lm.blockCount == 3 && bd3lm.stepsPerBlock == 24)
  }

  @Test func a2dModelsDefaultToMDLM() throws {
    let session = try ModelSession.open(Fixtures.root.appendingPathComponent("tiny-a2d-qwen3").path)
    #expect(session.defaultPreset == .mdlm)
  }

  @Test(arguments: [
    (["cache": JSONValue.string("dual")], "cache"),
    (["block_layout": .string("canvas-grid")], "block-causal"),
    (["block_length": .integer(0)], "block-length"),
  ])
  func impossibleSettingsNameTheirFlag(overrides: [String: JSONValue], flag: String) {
    do {
      _ = try DenoisingSettings.preset(.bd3lm).applying(overrides)
      Issue.record("\(overrides) accepted")
    } catch SamplingError.invalidSetting(let field, _) {
      #expect(field == flag)
    } catch {
      Issue.record("\(error)")
    }
  }
}
