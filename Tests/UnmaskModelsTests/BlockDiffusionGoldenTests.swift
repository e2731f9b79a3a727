import Foundation
import Testing
import UnmaskCore
import UnmaskFormats
import UnmaskKernels
@testable import UnmaskModels

/// One sequence of `Tests/Fixtures/golden/logits-{sdar,fast-dllm-v2,a2d-qwen3}.json`, written by
/// `scripts/fixtures/make_block_diffusion_fixtures.py` with the reference modeling code: the raw
/// rows of one canvas under one mask.
struct BlockDiffusionGoldenSequence: Decodable {
  var name: String
  var input_ids: [Int32]
  var mask: String
  var block_length: Int?
  var shape: [Int]
  var raw_file: String

  /// The mask the reference ran under.
  var attentionMask: AttentionMask {
    block_length.map { .blockCausal(blockLength: $0) } ?? .full
  }
}

struct BlockDiffusionGolden: Decodable {
  var fixture: String
  var sequences: [BlockDiffusionGoldenSequence]
}

/// The block-diffusion families against their references, under the block-causal and the full
/// mask: max |ours - reference| <= 1e-5 × max |reference| (the tolerance of
/// `GoldenLogitsTests`, and for the same reason: float32 rounding in another order). The shifted
/// rows generation reads (`logits(for:)`) are checked against the golden rows shifted as the
/// architecture says (Fast-dLLM v2: row p - 1).
@Suite struct BlockDiffusionGoldenTests {
  static let families = ["sdar", "fast-dllm-v2", "a2d-qwen3"]

  @Test(arguments: families)
  func logitsMatchTheReferenceModelingCode(family: String) throws {
    let golden = try JSONDecoder().decode(
      BlockDiffusionGolden.self,
      from: Data(contentsOf: Fixtures.golden("logits-\(family).json")))
    let model = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
        as? any TransformerStackModel)
    #expect(Set(golden.sequences.map(\.mask)) == ["block-causal", "full"])
    var worst: Float = 0
    for sequence in golden.sequences {
      let reference = try NumPyFile.readFloat32(
        Data(contentsOf: Fixtures.golden(sequence.raw_file)), source: sequence.raw_file)
      let request = ForwardRequest(tokens: sequence.input_ids, mask: sequence.attentionMask)
      let raw = try model.rawLogits(for: request)[0]
      #expect([raw.rows, raw.columns] == reference.shape.suffix(2))
      let (gap, scale) = worstGap(raw.values, reference.values)
      let read = try model.logits(for: request)[0]
      let expected =
        model.logitShift == .previousRow
        ? shiftedRows(reference.values, columns: raw.columns)
        : reference.values
      let (readGap, readScale) = worstGap(read.values, expected)
      print("\(family) \(sequence.name): worst gap \(gap) (\(gap / scale) of max |logit| \(scale))")
      worst = max(worst, gap / scale, readGap / readScale)
      #expect(gap <= 1e-5 * scale, "\(family) \(sequence.name): raw gap \(gap / scale)")
      #expect(readGap <= 1e-5 * readScale, "\(family) \(sequence.name): read gap")
      if sequence.attentionMask == model.attentionMask {
        // The model's own mask is what a request without one gets, bit for bit.
        let own = try model.rawLogits(for: ForwardRequest(tokens: sequence.input_ids))[0]
        #expect(own.values == raw.values)
      }
    }
    print("\(family): worst relative gap \(worst), tolerance 1e-5")
  }

  /// The same goldens on every kernel path this CPU runs: exact paths within the golden
  /// tolerance; `.avx512BF16` rounds activations to bf16 for these bf16 checkpoints, so it is
  /// held to the looser bound `KernelPathGoldenTests` gives the bf16 LLaDA fixture.
  @Test(arguments: KernelPath.available)
  func goldensHoldOnEveryKernelPath(path: KernelPath) throws {
    for family in Self.families {
      let golden = try JSONDecoder().decode(
        BlockDiffusionGolden.self,
        from: Data(contentsOf: Fixtures.golden("logits-\(family).json")))
      let model = try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
      for sequence in golden.sequences {
        let reference = try NumPyFile.readFloat32(
          Data(contentsOf: Fixtures.golden(sequence.raw_file)), source: sequence.raw_file)
        let raw = try KernelPath.with(path) {
          try model.rawLogits(
            for: ForwardRequest(tokens: sequence.input_ids, mask: sequence.attentionMask))[0]
        }
        let (gap, scale) = worstGap(raw.values, reference.values)
        print(
          "\(path.rawValue) \(family) \(sequence.name): worst gap \(gap / scale) of max |logit|")
        #expect(gap <= (path.isExact ? 1e-5 : 5e-2) * scale, "\(path) \(family) \(sequence.name)")
      }
    }
  }

  /// Rows as `cat([logits[:1], logits[:-1]])` reads them.
  func shiftedRows(_ values: [Float], columns: Int) -> [Float] {
    Array(values.prefix(columns)) + values.dropLast(columns)
  }

  @Test func eachFamilyLoadsUnderItsRealNameWithItsMaskAndShift() throws {
    let sdar = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model("tiny-sdar")) as? SDARModel)
    #expect(sdar.attentionMask == .blockCausal(blockLength: 4))
    #expect(sdar.logitShift == .none)
    #expect(sdar.maskTokenID == 442)
    // Qwen3's head_dim is read from the config: queries 4 × 24 = 96 wide over a 64-wide model.
    #expect(sdar.stack.attention == AttentionShape(heads: 4, kvHeads: 2, headDimension: 24))
    #expect(sdar.stack.blocks[0].attention.queryNorm?.scope == .perHead)

    let fast = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model("tiny-fast-dllm-v2")) as? FastDLLMv2Model)
    #expect(fast.attentionMask == .blockCausal(blockLength: 8))
    #expect(fast.logitShift == .previousRow)
    #expect(fast.stack.blocks[0].attention.queryNorm == nil)

    let a2d = try #require(
      try ModelRegistry.load(contentsOf: Fixtures.model("tiny-a2d-qwen3")) as? A2DQwen3Model)
    #expect(a2d.attentionMask == .full)
    #expect(a2d.logitShift == .none)
    #expect(a2d.configuration.tieWordEmbeddings)
    #expect(a2d.stack.attention.headDimension == 32)
  }

  /// A config variant the layout does not implement is refused in one line naming the field.
  @Test(arguments: [
    ("tiny-sdar", "hidden_act", "\"gelu\""),
    ("tiny-sdar", "use_sliding_window", "true"),
    ("tiny-sdar", "rope_scaling", "{\"rope_type\": \"yarn\", \"factor\": 4.0}"),
    ("tiny-sdar", "block_size", "0"),
    ("tiny-sdar", "head_dim", "23"),
    ("tiny-fast-dllm-v2", "layer_types", "[\"sliding_attention\", \"full_attention\"]"),
    ("tiny-fast-dllm-v2", "bd_size", "0"),
    ("tiny-a2d-qwen3", "num_key_value_heads", "3"),
  ])
  func unsupportedVariantsAreRefusedNamingTheField(
    fixture: String, field: String, value: String
  ) throws {
    try expectConfigRefused(fixture: fixture, field: field, value: value)
  }

}
