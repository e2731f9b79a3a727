import Foundation
import Testing
import UnmaskFormats
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// One golden sequence from `Tests/Fixtures/golden/logits-<model>.json`, written by
/// `scripts/fixtures/make_model_fixtures.py` with the reference PyTorch modeling code.
struct GoldenSequence: Decodable {
  var name: String
  var input_ids: [Int32]
  var shape: [Int]
  var file: String?
  var raw_file: String?
  var shifted_file: String?
  /// Block-causal sequences (LLaDA2's goldens): generate()'s mask over blocks of this length.
  var block_length: Int?
}

struct GoldenLogits: Decodable {
  var fixture: String
  var sequences: [GoldenSequence]
}

/// Per fixture: max |ours - reference| <= tolerance × max |reference|.
///
/// Both sides compute in float32 with the same operations in a different order (BLAS blocking,
/// torch's reductions), so the gap is rounding noise: a few float32 ulps (1.2e-7 relative) per
/// operation, grown through 2 layers, attention and a 64-wide dot product per logit. Measured
/// worst gaps: 4.0e-6 (tiny-llada), 4.2e-6 (tiny-llada-gqa, bf16 weights widened exactly),
/// 2.2e-6 (tiny-dream), all relative to max |logit| (10-16). 1e-5 (about 80 ulps of the
/// largest logit) leaves 2.4x headroom over the worst and is still far below the smallest
/// top-2 logit gap in the goldens (0.0017 absolute, 1.3e-4 relative), so no greedy decision can
/// flip inside it. A real defect (RMSNorm's epsilon off by 10x, a wrong rotary base, a
/// dropped bias) moves logits by 1e-4 relative or more.
let relativeTolerance: [String: Float] = ["llada": 1e-5, "llada-gqa": 1e-5, "dream": 1e-5]

func worstGap(_ ours: [Float], _ reference: [Float]) -> (gap: Float, scale: Float) {
  var gap: Float = 0
  var scale: Float = 0
  for (a, b) in zip(ours, reference) {
    gap = max(gap, abs(a - b))
    scale = max(scale, abs(b))
  }
  return (gap, scale)
}

@Test(arguments: ["llada", "llada-gqa", "dream"])
func logitsMatchTheReferenceModelingCode(model name: String) throws {
  let golden = try JSONDecoder().decode(
    GoldenLogits.self, from: Data(contentsOf: Fixtures.golden("logits-\(name).json")))
  let model = try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
  let tolerance = try #require(relativeTolerance[name])
  var worstRelative: Float = 0
  for sequence in golden.sequences {
    // What the sampler sees: shifted for Dream, the plain rows for LLaDA.
    let file = try #require(sequence.shifted_file ?? sequence.file)
    let reference = try NumPyFile.readFloat32(Data(contentsOf: Fixtures.golden(file)), source: file)
    let ours = try model.logits(for: sequence.input_ids)
    #expect([ours.rows, ours.columns] == reference.shape.suffix(2))
    let (gap, scale) = worstGap(ours.values, reference.values)
    print("\(name) \(sequence.name): worst gap \(gap) (\(gap / scale) of max |logit| \(scale))")
    worstRelative = max(worstRelative, gap / scale)
    #expect(gap <= tolerance * scale, "\(name) \(sequence.name): gap \(gap / scale) relative")

    if let rawFile = sequence.raw_file, let dream = model as? DreamModel {
      let raw = try NumPyFile.readFloat32(
        Data(contentsOf: Fixtures.golden(rawFile)), source: rawFile)
      let (rawGap, rawScale) = worstGap(
        try dream.rawLogits(for: ForwardRequest(tokens: sequence.input_ids))[0].values, raw.values)
      worstRelative = max(worstRelative, rawGap / rawScale)
      #expect(rawGap <= tolerance * rawScale, "\(name) \(sequence.name) raw")
    }
  }
  print("\(name): worst relative gap \(worstRelative), tolerance \(tolerance)")
}

@Test func loadsAShardedBFloat16CheckpointStrictly() throws {
  let model = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada-gqa"))
  let llada = try #require(model as? LLaDAModel)
  #expect(llada.stack.attention.kvHeads < llada.stack.attention.heads)
  #expect(llada.stack.embedding.dtype == .bf16)
  #expect(llada.configuration.weightTying)
}

@Test func canvasErrorsAreClear() throws {
  let model = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada"))
  #expect(throws: ModelError.emptyCanvas) { try model.logits(for: []) }
  do {
    _ = try model.logits(for: [1, Int32(model.vocabularySize)])
    Issue.record("expected an out-of-range error")
  } catch let error as ModelError {
    #expect(error.description.contains("position 1"))
  }
}
