import Foundation
import Testing
import UnmaskCore
import UnmaskFormats
@testable import UnmaskModels

/// `golden/diffusiongemma-logits.json`, written by
/// `scripts/fixtures/make_diffusiongemma_fixtures.py` with transformers 5.23's
/// `DiffusionGemmaForBlockDiffusion`: each case encodes its chunks one after another (the
/// prompt, then a finished canvas for the continuation cases), decodes `canvas_ids` after them,
/// and records the soft-capped logits without and with self-conditioning.
struct DiffusionGemmaLogitsGolden: Decodable {
  struct Case: Decodable {
    var name: String
    var fixture: String
    var encoder_chunks: [[Int32]]
    var canvas_ids: [Int32]
    var logits_file: String
    var self_conditioning_logits_file: String
    var logits_with_self_conditioning_file: String
    var min_expert_margin: Double
  }
  struct KVCache: Decodable {
    struct Layer: Decodable {
      var layer: Int
      var file: String
      var kv_heads: Int
      var head_dim: Int
      var positions: [Int]
    }
    var fixture: String
    var `case`: String
    var layers: [Layer]
  }
  var cases: [Case]
  var kv_caches: [KVCache]
}

@Suite struct DiffusionGemmaGoldenTests {
  static let golden: DiffusionGemmaLogitsGolden? = try? JSONDecoder().decode(
    DiffusionGemmaLogitsGolden.self,
    from: Data(contentsOf: Fixtures.golden("diffusiongemma-logits.json")))

  static func load(_ fixture: String) throws -> DiffusionGemmaModel {
    try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model(fixture)) as? DiffusionGemmaModel)
  }

  static func array(_ file: String) throws -> (shape: [Int], values: [Float]) {
    try NumPyFile.readFloat32(Data(contentsOf: Fixtures.golden(file)), source: file)
  }

  /// Encoder cache, then the decoder with and without self-conditioning, within 1e-5 of the
  /// largest logit (both sides run float32 on the same weights).
  @Test func decoderLogitsMatchTheReference() throws {
    let golden = try #require(Self.golden)
    var models: [String: DiffusionGemmaModel] = [:]
    for testCase in golden.cases {
      let model = try models[testCase.fixture] ?? Self.load(testCase.fixture)
      models[testCase.fixture] = model
      let prefix = model.makePrefix(positions: 8)
      for chunk in testCase.encoder_chunks { try model.encode(chunk, into: prefix) }
      let previous = try Self.array(testCase.self_conditioning_logits_file)
      let conditioned = Matrix(
        rows: previous.shape[0], columns: previous.shape[1], values: previous.values)
      for (file, signal) in [
        (testCase.logits_file, nil), (testCase.logits_with_self_conditioning_file, conditioned),
      ] {
        let reference = try Self.array(file)
        let ours = try model.decode(testCase.canvas_ids, after: prefix, selfConditioning: signal)
        #expect([ours.rows, ours.columns] == reference.shape)
        let (gap, scale) = worstGap(ours.values, reference.values)
        print(
          "diffusiongemma \(testCase.name)\(signal == nil ? "" : " sc"): worst gap \(gap / scale)"
            + " of max |logit| \(scale), routing margin \(testCase.min_expert_margin)")
        #expect(gap <= 1e-5 * scale, "\(testCase.name) \(file): \(gap / scale)")
      }
    }
  }

  /// The encoder's cache (`[keys, values]` per layer, `[2, Hkv, kept, d]`; a sliding layer keeps
  /// its last `sliding_window - 1` positions): the first place to look when logits differ.
  @Test func encoderCacheMatchesTheReference() throws {
    let golden = try #require(Self.golden)
    for cache in golden.kv_caches {
      let model = try Self.load(cache.fixture)
      let testCase = try #require(
        golden.cases.first { $0.name == cache.case && $0.fixture == cache.fixture })
      let prefix = model.makePrefix(positions: 4)
      for chunk in testCase.encoder_chunks { try model.encode(chunk, into: prefix) }
      let context = try #require(prefix as? DiffusionGemmaContext)
      for layer in cache.layers {
        let reference = try Self.array(layer.file)
        let kept = layer.positions[0]..<layer.positions[1]
        let width = layer.kv_heads * layer.head_dim
        for (part, ours) in [context.keys(layer: layer.layer), context.values(layer: layer.layer)]
          .enumerated()
        {
          var worst: Float = 0
          var scale: Float = 0
          for h in 0..<layer.kv_heads {
            for (j, p) in kept.enumerated() {
              for c in 0..<layer.head_dim {
                let theirs = reference.values[
                  ((part * layer.kv_heads + h) * kept.count + j) * layer.head_dim + c]
                worst = max(worst, abs(ours[p * width + h * layer.head_dim + c] - theirs))
                scale = max(scale, abs(theirs))
              }
            }
          }
          print(
            "diffusiongemma \(cache.fixture) layer \(layer.layer) \(part == 0 ? "keys" : "values"): worst gap \(worst / scale)"
          )
          #expect(worst <= 1e-5 * scale)
        }
      }
    }
  }

  /// The decoder reads the cache and leaves it as it was: the same canvas decoded twice gives
  /// the same bits, and decoding does not move the prefix.
  @Test func decodingLeavesTheEncodedPrefixUnchanged() throws {
    let model = try Self.load("tiny-diffusiongemma")
    let prefix = model.makePrefix(positions: 4)
    try model.encode([2, 17, 300, 42, 9, 11, 5, 8, 100, 101], into: prefix)
    let canvas: [Int32] = Array(20..<36)
    let first = try model.decode(canvas, after: prefix, selfConditioning: nil)
    _ = try model.decode(Array(canvas.reversed()), after: prefix, selfConditioning: first)
    #expect(prefix.length == 10)
    #expect(try model.decode(canvas, after: prefix, selfConditioning: nil) == first)
  }

  @Test func vocabularyAndImageTokensAreRefused() throws {
    let model = try Self.load("tiny-diffusiongemma")
    let prefix = model.makePrefix(positions: 4)
    #expect(throws: ModelError.self) { try model.encode([448], into: prefix) }
    #expect(throws: (any Error).self) {
      try model.decode([1, 2], after: prefix, selfConditioning: Matrix(rows: 1, columns: 448))
    }
    // A generic masked-diffusion pass is refused with a message naming the way that works.
    #expect(throws: PredictorError.self) { try model.logits(for: [1, 2, 3]) }
    #expect(model.maskTokenID == nil)
    #expect(model.canvasDecoder != nil)
  }

  /// An expert no token picks is never computed with: the router is made to send every token
  /// to the same two experts (`router.scale` zero: every score equal, and top-k keeps the
  /// same two of equals), every other expert's weights are poisoned with NaN, and the logits
  /// are finite and equal to the unpoisoned model's.
  @Test func expertsNoTokenPicksAreNeverComputed() throws {
    let folder = Fixtures.model("tiny-diffusiongemma")
    let original = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors"))
    let config = try Data(contentsOf: folder.appendingPathComponent("config.json"))
    func model(poisoning idle: Set<Int>) throws -> DiffusionGemmaModel {
      let store = InMemoryTensors(location: "tiny-diffusiongemma, experts \(idle) poisoned")
      for name in original.tensorNames {
        let view = try original.tensor(named: name)
        var values = view.floats()
        if name.hasSuffix("router.scale") { values = values.map { _ in 0 } }
        if name.hasSuffix("experts.gate_up_proj") || name.hasSuffix("experts.down_proj") {
          let perExpert = values.count / view.shape[0]
          for e in idle { for i in (e * perExpert)..<((e + 1) * perExpert) { values[i] = .nan } }
        }
        try store.add(name, shape: view.shape, values: values)
      }
      return try DiffusionGemmaModel(
        configJSON: config, configPath: store.location, weights: WeightLoader(source: store))
    }
    func run(_ model: DiffusionGemmaModel) throws -> (logits: [Float], load: [Int32]) {
      let prefix = model.makePrefix(positions: 24)
      try model.encode([2, 17, 300, 42], into: prefix)
      let logits = try model.decode(Array(20..<36), after: prefix, selfConditioning: nil)
      return (logits.values, try #require(model.expertLoad).take())
    }
    let clean = try run(try model(poisoning: []))
    let experts = 8
    let picked = Set(clean.load.indices.filter { clean.load[$0] > 0 }.map { $0 % experts })
    #expect(picked.count == 2)
    let idle = Set(0..<experts).subtracting(picked)
    let poisoned = try run(try model(poisoning: idle))
    #expect(poisoned.logits.allSatisfy { $0.isFinite })
    #expect(poisoned.logits == clean.logits)
    #expect(poisoned.load == clean.load)
  }
}
