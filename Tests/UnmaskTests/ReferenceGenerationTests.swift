import Foundation
import Testing
import Unmask

/// End to end: the tiny fixture models driven by the Swift sampler must produce exactly the
/// ids the reference generation code produced on the same checkpoints (LLaDA's generate.py,
/// Fast-dLLM's llada/generate.py and dream/generation_utils.py), recorded by
/// scripts/fixtures/make_model_fixtures.py in Tests/Fixtures/golden/generate-<model>.json.
struct ReferenceGeneration: Decodable {
  struct Case: Decodable {
    var name: String
    var generator: String
    var settings: [String: JSONValue]
    var confidence_dtype: String?
    var effective_generation_config: [String: JSONValue]?
    var mask_id: Int32?
    var prompt_ids: [Int32]
    var output_ids: [Int32]
    var nfe: Int
  }
  var fixture: String
  var special_ids: [String: Int32]
  var cases: [Case]
}

/// Maps one reference call to the Swift sampler's settings.
func settings(for testCase: ReferenceGeneration.Case, special: [String: Int32]) throws
  -> DenoisingSettings
{
  let s = testCase.settings
  if testCase.generator.hasPrefix("LLaDA generate.py")
    || testCase.generator.hasPrefix("Fast-dLLM llada")
  {
    let fast = testCase.generator.hasPrefix("Fast-dLLM")
    var settings = DenoisingSettings.preset(.llada)
    settings.length = try #require(s["gen_length"]?.intValue)
    settings.steps = try #require(s["steps"]?.intValue)
    settings.blockLength = try #require(s["block_length"]?.intValue)
    settings.cfgScale = s["cfg_scale"]?.doubleValue ?? 0
    settings.maskID = try #require(special["mask"])
    settings.eosID = special["eos"]
    settings.eotID = special["eot"]
    settings.logitsEosInf = s["logits_eos_inf"]?.boolValue ?? false
    settings.confidenceEosEotInf = s["confidence_eos_eot_inf"]?.boolValue ?? false
    // LLaDA's generate.py writes `logits_with_noise[.., EOS] = logits[.., EoT] = -inf`; at
    // temperature 0 both names are one tensor, so EOS and EoT both reach the confidence softmax:
    // the intended rule Unmask implements (LLaDA issue 137 bites only at temperature > 0).
    settings.confidencePrecision =
      (testCase.confidence_dtype ?? "").hasPrefix("float64") ? .float64 : .float32
    if fast {
      // Fast-dLLM's copy stops a block as soon as it has no mask left.
      settings.stopWhenBlockComplete = true
      if let threshold = s["threshold"]?.doubleValue {
        settings.strategy = .threshold(threshold)
      }
    }
    return settings
  }
  // Dream diffusion_generate(): the effective config records what _sample() really ran with.
  var settings = DenoisingSettings.preset(.dream)
  let effective = testCase.effective_generation_config ?? [:]
  settings.length = try #require(s["max_new_tokens"]?.intValue)
  settings.blockLength = settings.length
  settings.steps = try #require(s["steps"]?.intValue)
  settings.maskID = try #require(testCase.mask_id ?? special["mask"])
  settings.eosID = special["eos"]
  settings.eotID = special["eot"]
  settings.topK = effective["top_k"]?.intValue
  settings.topP = effective["top_p"]?.doubleValue
  settings.temperature = effective["temperature"]?.doubleValue ?? 0
  settings.eps = effective["eps"]?.doubleValue ?? 1e-3
  switch s["alg"]?.stringValue {
  case "maskgit_plus": settings.strategy = .confidence
  case "topk_margin": settings.strategy = .margin
  case "entropy": settings.strategy = .entropy
  case "confidence_threshold":
    settings.strategy = .dreamThreshold(s["threshold"]?.doubleValue ?? 0.9)
  case let other: Issue.record("unmapped Dream alg \(other ?? "nil")")
  }
  return settings
}

@Test(arguments: ["llada", "llada-gqa", "dream"])
func generationMatchesTheReferenceTokenForToken(model name: String) throws {
  let golden = try JSONDecoder().decode(
    ReferenceGeneration.self,
    from: Data(contentsOf: Fixtures.root.appendingPathComponent("golden/generate-\(name).json")))
  let model = try ModelRegistry.load(
    contentsOf: Fixtures.root.appendingPathComponent(golden.fixture))
  var matched = 0
  for testCase in golden.cases {
    let denoiser = try Denoiser(
      model: model, settings: settings(for: testCase, special: golden.special_ids))
    let result = try denoiser.generate(prompt: testCase.prompt_ids)
    #expect(
      result.generated == testCase.output_ids, "\(name) \(testCase.name) (\(testCase.generator))")
    #expect(result.steps == testCase.nfe, "\(name) \(testCase.name): steps")
    if result.generated == testCase.output_ids { matched += 1 }
  }
  print("\(name): \(matched)/\(golden.cases.count) reference generations reproduced exactly")
}
