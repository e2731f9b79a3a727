import Foundation
import Testing
import UnmaskCore
import UnmaskFormats
import UnmaskKernels
@testable import UnmaskModels

/// One sequence of `Tests/Fixtures/golden/logits-{mdlm,mdlm-notime,bd3lm}.json`, written by
/// `scripts/fixtures/make_dit_fixtures.py` with the reference code: the backbone's rows for one
/// canvas at one noise level, or (`cached_block_sigmas`) BD3-LM's KV-cached passes, one block of
/// `block_length` at a time, each at its own noise level.
struct DiTGoldenSequence: Decodable {
  var name: String
  var input_ids: [Int32]
  var sigma: Double?
  var mask: String
  var block_length: Int?
  var cached_block_sigmas: [Double]?
  var shape: [Int]
  var raw_file: String

  /// The mask the reference ran under.
  var attentionMask: AttentionMask {
    block_length.map { .blockCausal(blockLength: $0) } ?? .full
  }
}

struct DiTGolden: Decodable {
  var fixture: String
  var sequences: [DiTGoldenSequence]

  static func load(_ family: String) throws -> DiTGolden {
    try JSONDecoder().decode(
      DiTGolden.self, from: Data(contentsOf: Fixtures.golden("logits-\(family).json")))
  }

  func reference(_ sequence: DiTGoldenSequence) throws -> (values: [Float], shape: [Int]) {
    let file = try NumPyFile.readFloat32(
      Data(contentsOf: Fixtures.golden(sequence.raw_file)), source: sequence.raw_file)
    return (file.values, file.shape)
  }
}

/// MDLM and BD3-LM against their references (mdlm's `dit.py`, bd3lms' `modeling_bd3lm.py`):
/// max |ours - reference| <= 1e-5 × max |reference|, the tolerance of the other golden tests
/// (float32 rounding in another order), at noise levels 0, random and large, with and without
/// time conditioning, BD3-LM block-causal and KV-cached.
@Suite struct DiTGoldenTests {
  static let families = ["mdlm", "mdlm-notime", "bd3lm"]

  /// The rows of one golden sequence computed by `model` (cached sequences block by block).
  static func rows(_ model: any TransformerStackModel, _ sequence: DiTGoldenSequence) throws
    -> [Float]
  {
    guard let sigmas = sequence.cached_block_sigmas, let block = sequence.block_length else {
      let request = ForwardRequest(tokens: sequence.input_ids, sigma: sequence.sigma ?? 0)
      return try model.rawLogits(for: request)[0].values
    }
    // One window pass per block against one cache, as the reference's store_kv passes.
    let cache = try #require(model.makeKVCache(positions: sequence.input_ids.count))
    var values: [Float] = []
    for (b, sigma) in sigmas.enumerated() {
      let canvas = ForwardCanvas(
        tokens: sequence.input_ids, window: (b * block)..<((b + 1) * block), cache: cache,
        sigma: sigma)
      values += try model.rawLogits(for: ForwardRequest([canvas]))[0].values
    }
    return values
  }

  @Test(arguments: families)
  func logitsMatchTheReferenceCode(family: String) throws {
    let golden = try DiTGolden.load(family)
    let model = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
        as? any TransformerStackModel)
    var worst: Float = 0
    for sequence in golden.sequences {
      #expect(sequence.attentionMask == model.attentionMask, "\(sequence.name)")
      let reference = try golden.reference(sequence)
      let ours = try Self.rows(model, sequence)
      #expect(ours.count == reference.values.count)
      let (gap, scale) = worstGap(ours, reference.values)
      print("\(family) \(sequence.name): worst gap \(gap) (\(gap / scale) of max |logit| \(scale))")
      worst = max(worst, gap / scale)
      #expect(gap <= 1e-5 * scale, "\(family) \(sequence.name): gap \(gap / scale)")
    }
    print("\(family): worst relative gap \(worst), tolerance 1e-5")
  }

  /// The same goldens on every kernel path this CPU runs (exact paths within 1e-5; a path that
  /// rounds activations to bf16 within the looser bound the other golden tests give it).
  @Test(arguments: KernelPath.available)
  func goldensHoldOnEveryKernelPath(path: KernelPath) throws {
    for family in Self.families {
      let golden = try DiTGolden.load(family)
      let model = try #require(
        try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
          as? any TransformerStackModel)
      for sequence in golden.sequences {
        let reference = try golden.reference(sequence)
        let ours = try KernelPath.with(path) { try Self.rows(model, sequence) }
        let (gap, scale) = worstGap(ours, reference.values)
        print("\(path.rawValue) \(family) \(sequence.name): worst gap \(gap / scale)")
        #expect(gap <= (path.isExact ? 1e-5 : 5e-2) * scale, "\(path) \(family) \(sequence.name)")
      }
    }
  }

  /// A batch of canvases at different noise levels, some asking for a few rows, gives each
  /// canvas what it gives alone: the conditioning is per canvas.
  @Test(arguments: ["tiny-mdlm", "tiny-bd3lm"])
  func batchedCanvasesKeepTheirOwnNoiseLevel(fixture: String) throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.model(fixture))
    let canvases = [
      ForwardCanvas(tokens: [3, 199, 17, 199, 5, 8, 199], sigma: 0.25),
      ForwardCanvas(tokens: [9, 9, 199, 40, 2], rows: .positions([1, 2, 4]), sigma: 4),
      ForwardCanvas(tokens: [199, 199, 199, 11, 12, 13, 14, 15, 16], sigma: 0),
    ]
    let batched = try model.logits(for: ForwardRequest(canvases))
    for (canvas, rows) in zip(canvases, batched) {
      var whole = canvas
      whole.rows = .all
      let alone = try model.logits(for: ForwardRequest([whole]))[0]
      let expected = canvas.rows.positions.map { LogitRows.gather($0, from: alone) } ?? alone
      let (gap, scale) = worstGap(rows.values, expected.values)
      #expect(gap <= 1e-6 * scale, "\(fixture): gap \(gap / scale)")
    }
  }

  /// Time conditioning: σ moves MDLM's logits; without it (mdlm-owt's setting) σ is zeroed, so
  /// every σ gives the σ = 0 rows bit for bit.
  @Test func noiseLevelConditionsOnlyWithTimeConditioning() throws {
    let tokens: [Int32] = [4, 199, 199, 60, 7]
    let timed = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-mdlm"))
    let untimed = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-mdlm-notime"))
    #expect(timed.noiseLevelInput == .conditioned)
    #expect(untimed.noiseLevelInput == .ignored)
    let at0 = try untimed.logits(for: ForwardRequest(tokens: tokens))[0]
    let at3 = try untimed.logits(for: ForwardRequest(tokens: tokens, sigma: 3))[0]
    #expect(at0.values == at3.values)
    let timedAt0 = try timed.logits(for: ForwardRequest(tokens: tokens))[0]
    let timedAt3 = try timed.logits(for: ForwardRequest(tokens: tokens, sigma: 3))[0]
    #expect(timedAt0.values == at0.values)  // the same weights, σ = 0 either way
    #expect(timedAt3.values != timedAt0.values)
  }

  @Test func checkpointsLoadUnderTheirPublishedNames() throws {
    let mdlm = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model("tiny-mdlm")) as? MDLMModel)
    #expect(mdlm.maskTokenID == 199)
    #expect(mdlm.vocabularySize == 200)  // every column, the mask's included
    #expect(mdlm.attentionMask == .full)
    #expect(mdlm.stack.attention == AttentionShape(heads: 2, kvHeads: 2, headDimension: 16))
    #expect(mdlm.stack.blocks.allSatisfy { $0.modulation?.chunks == 6 })
    #expect(mdlm.stack.finalModulation?.chunks == 2)
    #expect(mdlm.stack.conditioning?.dimension == 16)

    let bd3lm = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model("tiny-bd3lm")) as? BD3LMModel)
    #expect(bd3lm.attentionMask == .blockCausal(blockLength: 4))
    #expect(bd3lm.maskTokenID == 199)
    #expect(bd3lm.noiseLevelInput == .conditioned)
    let epsilon = try #require(bd3lm.samplingEpsilon)
    #expect(abs(epsilon.lowerBound - 0.001) < 1e-7 && abs(epsilon.upperBound - 0.999) < 1e-6)
    let byName = ModelRegistry.architecture(
      for: ConfigHeader(modelType: nil, architectures: ["MDLM"]))
    #expect(byName is MDLMModel.Type)
    #expect(ModelRegistry.architecture(for: ConfigHeader(modelType: "bd3lm")) is BD3LMModel.Type)
  }

  /// config.json edited one field at a time: the variants BD3-LM's inference forward runs load
  /// with the mask it uses; the others are refused in one line naming the field.
  @Test func bd3lmVariantsGiveTheReferenceMask() throws {
    func load(_ edits: [String: Any]) throws -> BD3LMModel {
      let bundle = try ModelBundle.open(Fixtures.model("tiny-bd3lm"))
      var config = try #require(
        try JSONSerialization.jsonObject(with: bundle.configJSON) as? [String: Any])
      config.merge(edits) { $1 }
      var altered = bundle
      altered.configJSON = try JSONSerialization.data(withJSONObject: config)
      return try #require(try ModelRegistry.load(altered) as? BD3LMModel)
    }
    #expect(try load(["attn_backend": "flex"]).attentionMask == .blockCausal(blockLength: 4))
    #expect(try load(["cross_attn": false]).attentionMask == .full)
    #expect(
      try load(["cross_attn": false, "causal": true]).attentionMask == .blockCausal(blockLength: 1))
    #expect(try load(["time_conditioning": false]).noiseLevelInput == .ignored)
  }

  @Test(arguments: [
    ("tiny-bd3lm", "attn_backend", "\"xformers\""),
    ("tiny-bd3lm", "causal", "true"),
    ("tiny-bd3lm", "block_size", "0"),
    ("tiny-bd3lm", "n_heads", "3"),
    ("tiny-mdlm", "n_heads", "0"),
    ("tiny-mdlm", "hidden_dim", "\"wide\""),
    ("tiny-mdlm", "vocab_size", "1"),
  ])
  func unsupportedVariantsAreRefusedNamingTheField(
    fixture: String, field: String, value: String
  ) throws {
    try expectConfigRefused(fixture: fixture, field: field, value: value)
  }

}
