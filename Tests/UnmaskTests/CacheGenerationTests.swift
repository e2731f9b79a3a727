import Foundation
import Testing
import Unmask

/// Fast-dLLM's prefix and dual caches, end to end: the tiny fixture models driven by the Swift
/// sampler with `cache` set must produce exactly the ids Fast-dLLM's own cached samplers
/// produced on the same checkpoints (`generate_with_prefix_cache` / `generate_with_dual_cache`
/// in llada/generate.py; dream/model/generation_utils_block.py), recorded by
/// scripts/fixtures/make_cache_goldens.py in Tests/Fixtures/golden/cache-<model>.json.
struct CacheGoldens: Decodable {
  struct Case: Decodable {
    var name: String
    var cache: String
    var prompt_ids: [Int32]
    var gen_length: Int
    var steps: Int
    var block_length: Int
    var threshold: Double?
    var alg: String?
    var output_ids: [Int32]
    var nfe: Int
    var differs_from_none: Bool?
  }
  var fixture: String
  var reference_commit: String
  var mask_id: Int32
  var cases: [Case]

  static func load(_ name: String) throws -> CacheGoldens {
    let url = Fixtures.root.appendingPathComponent("golden/cache-\(name).json")
    return try JSONDecoder().decode(CacheGoldens.self, from: Data(contentsOf: url))
  }

  /// The Swift settings of one reference call.
  func settings(_ c: Case) throws -> DenoisingSettings {
    var s: DenoisingSettings
    if let alg = c.alg {  // Dream's block sampler
      s = .preset(.dream)
      switch alg {
      case "entropy": s.strategy = .entropy
      case "confidence_threshold":
        s.strategy = .dreamThreshold(try #require(c.threshold))
      default: Issue.record("unmapped Dream alg \(alg)")
      }
    } else {  // Fast-dLLM's LLaDA generate functions
      s = .preset(.llada)
      // Fast-dLLM's generate() leaves a complete block; the cached ones must without being told.
      s.stopWhenBlockComplete = c.cache == "none"
      if let threshold = c.threshold { s.strategy = .threshold(threshold) }
    }
    s.length = c.gen_length
    s.steps = c.steps
    s.blockLength = c.block_length
    s.maskID = mask_id
    s.cache = try #require(CacheMode(rawValue: c.cache))
    return s
  }
}

@Test(arguments: ["llada", "llada-gqa", "dream"])
func cachedGenerationMatchesFastDLLMTokenForToken(model name: String) throws {
  let golden = try CacheGoldens.load(name)
  let model = try ModelRegistry.load(
    contentsOf: Fixtures.root.appendingPathComponent(golden.fixture))
  var matched = 0
  for c in golden.cases {
    let result = try Denoiser(model: model, settings: golden.settings(c)).generate(
      prompt: c.prompt_ids)
    #expect(result.generated == c.output_ids, "\(name) \(c.name)")
    #expect(result.forwardPasses == c.nfe, "\(name) \(c.name): forward passes")
    if result.generated == c.output_ids && result.forwardPasses == c.nfe { matched += 1 }
  }
  print("\(name): \(matched)/\(golden.cases.count) Fast-dLLM cached generations reproduced")
}

/// The goldens must exercise what caching changes, or equality with them proves little.
@Test func cacheGoldensIncludeOutputsThatCachingChanges() throws {
  let golden = try CacheGoldens.load("llada")
  let changed = golden.cases.filter { $0.differs_from_none == true }
  #expect(changed.contains { $0.name.hasPrefix("one-block") })
  #expect(changed.count >= 4)
}
