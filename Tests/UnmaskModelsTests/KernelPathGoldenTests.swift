import Foundation
import Testing
import UnmaskFormats
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// The golden logits (PyTorch reference, float32 compute) on every kernel path this CPU runs.
/// Exact paths must hold the golden tolerance; `.avx512BF16`, which rounds activations to bf16
/// for bf16 weights, only changes the bf16 fixture and is held to a looser, printed bound.
@Test(arguments: KernelPath.available)
func goldenLogitsHoldOnEveryKernelPath(path: KernelPath) throws {
  for name in ["llada", "llada-gqa", "dream"] {
    let golden = try JSONDecoder().decode(
      GoldenLogits.self, from: Data(contentsOf: Fixtures.golden("logits-\(name).json")))
    let model = try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
    let tolerance = try #require(relativeTolerance[name])
    for sequence in golden.sequences {
      let file = try #require(sequence.shifted_file ?? sequence.file)
      let reference = try NumPyFile.readFloat32(
        Data(contentsOf: Fixtures.golden(file)), source: file)
      let ours = try KernelPath.with(path) { try model.logits(for: sequence.input_ids) }
      let (gap, scale) = worstGap(ours.values, reference.values)
      print("\(path.rawValue) \(name) \(sequence.name): worst gap \(gap / scale) of max |logit|")
      if path.isExact || name != "llada-gqa" {
        #expect(gap <= tolerance * scale, "\(path) \(name) \(sequence.name)")
      } else {
        // Measured: up to 3.1e-2 of max |logit| on the bf16 fixture (its weights are drawn with
        // large stds on purpose), 3,000x the golden tolerance: why this path is opt-in.
        #expect(gap <= 5e-2 * scale, "\(path) \(name) \(sequence.name)")
      }
    }
  }
}

/// The reference's own bfloat16 error per golden sequence
/// (`scripts/fixtures/make_bf16_reference_gaps.py`): max |reference run with
/// `model.to(torch.bfloat16)` - its float32 golden|, in the layout Unmask's logits come in.
struct BF16ReferenceGaps: Decodable {
  struct Fixture: Decodable {
    var fixture: String
    var sequences: [String: Entry]
  }
  struct Entry: Decodable {
    var gap: Float
  }
  var fixtures: [String: Fixture]
}

/// `--numerics fast` (issue 29) is held to the reference model's own bfloat16 error: on each
/// golden fixture with a bf16 reference gap (dense LLaDA and Dream, LLaDA-MoE, LLaDA2, SDAR,
/// Fast-dLLM v2, a2d-qwen3), fast's
/// largest logit gap to the float32 golden is no larger than the reference's: sequence by
/// sequence for dense models, over the fixture for mixtures of experts (below). Both gaps are
/// printed. (On a CPU without AVX512-BF16, fast is the exact path and the margin is wide.)
@Test func fastNumericsStayWithinTheReferencesOwnBF16Error() throws {
  let gaps = try JSONDecoder().decode(
    BF16ReferenceGaps.self, from: Data(contentsOf: Fixtures.golden("bf16-reference-gaps.json")))
  #expect(
    Set(gaps.fixtures.keys) == [
      "llada", "llada-gqa", "dream", "llada-moe", "llada-moe-shared", "llada2", "llada2-variant",
      "sdar", "fast-dllm-v2", "a2d-qwen3",
    ])
  let path = Numerics.fast.kernelPath
  for (name, fixture) in gaps.fixtures.sorted(by: { $0.key < $1.key }) {
    let golden = try JSONDecoder().decode(
      GoldenLogits.self, from: Data(contentsOf: Fixtures.golden("logits-\(name).json")))
    #expect(golden.fixture == fixture.fixture)
    let model = try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
    #expect(golden.sequences.count == fixture.sequences.count, "\(name)")
    // A mixture of experts makes discrete choices: where two experts' scores nearly tie, any
    // rounding of the activations may flip one, and a flip moves logits by whole units. The
    // reference in bfloat16 flips on some sequences (gaps up to 31 on tiny-llada2-variant),
    // fast on others, so such a fixture is held as a whole: fast's worst gap over its
    // sequences against the reference's worst. Dense fixtures are held sequence by sequence.
    let routed = model.expertLoad != nil
    var worst: (fast: Float, reference: Float) = (0, 0)
    for sequence in golden.sequences {
      // The block-diffusion goldens are raw (unshifted) rows, the others the rows Unmask reads.
      let file = try #require(sequence.shifted_file ?? sequence.file ?? sequence.raw_file)
      let reference = try NumPyFile.readFloat32(
        Data(contentsOf: Fixtures.golden(file)), source: file)
      // LLaDA2's and the block-diffusion goldens include a block-causal mask.
      let request = ForwardRequest(
        tokens: sequence.input_ids,
        mask: sequence.block_length.map { .blockCausal(blockLength: $0) } ?? .full)
      let ours = try KernelPath.with(path) {
        if sequence.file == nil, sequence.shifted_file == nil {
          return try #require(model as? any TransformerStackModel).rawLogits(for: request)[0]
        }
        return try model.logits(for: request)[0]
      }
      let (gap, _) = worstGap(ours.values, reference.values)
      let bound = try #require(fixture.sequences[sequence.name]?.gap, "\(name) \(sequence.name)")
      print(
        "numerics fast (\(path.rawValue)) \(name) \(sequence.name): max logit gap \(gap); "
          + "the reference in bfloat16: \(bound)")
      worst = (max(worst.fast, gap), max(worst.reference, bound))
      if !routed { #expect(gap <= bound, "\(name) \(sequence.name)") }
    }
    print(
      "numerics fast (\(path.rawValue)) \(name): worst gap \(worst.fast); "
        + "the reference in bfloat16: \(worst.reference)")
    #expect(worst.fast <= worst.reference, "\(name)")
  }
}
