import Foundation
import Testing
import Unmask
import UnmaskKernels

/// A small LLaDA whose matrices are K-quants, as a Q4_K_M GGUF stores them (Q4_K, with Q6_K for
/// the output head and the MLP down projections; Q5_K for the value projections to cover the
/// third type), against the same model in f32.
///
/// tiny-llada's d_model is 64 and K-quant rows are whole super-blocks of 256, so the model here
/// is tiny-llada's config and tensor names at d_model 256 and MLP 512 with seeded random
/// weights (`KQuantEncoder` makes the blocks).
@Suite struct KQuantLogitsTests {
  static let fixture = GGUFTokenizerTests.fixtures.appendingPathComponent("tiny-llada")

  /// The K-quant type each weight is stored as, or nil for f32 (norms, the embedding).
  static func kQuantType(_ name: String, shape: [Int]) -> DType? {
    guard shape.count == 2, !name.contains("wte") else { return nil }
    if name.hasSuffix("ff_out.weight") { return .q6_K }
    return name.contains("v_proj") ? .q5_K : .q4_K
  }

  /// Three bundles over one random model: f32 weights, the same weights as K-quants, and the
  /// K-quants' dequantized values in f32.
  static func bundles() throws -> (f32: ModelBundle, kQuant: ModelBundle, dequantized: ModelBundle)
  {
    let folder = try ModelBundle.open(fixture)
    var config = try #require(
      try JSONSerialization.jsonObject(with: folder.configJSON) as? [String: Any])
    config["d_model"] = 256
    config["mlp_hidden_size"] = 512
    let f32 = InMemoryTensors(location: "tiny-llada at d_model 256, f32")
    let quantized = InMemoryTensors(location: "tiny-llada at d_model 256, K-quants")
    let dequantized = InMemoryTensors(location: "tiny-llada at d_model 256, K-quants widened")
    var generator = SplitMix64(seed: 28)
    for name in folder.weights.tensorNames {
      let shape = try folder.weights.tensor(named: name).shape.map {
        $0 == 64 ? 256 : $0 == 128 ? 512 : $0
      }
      let count = shape.reduce(1, *)
      let values: [Float] =
        shape.count == 1
        ? (0..<count).map { _ in 1 + generator.nextUniform(scale: 0.1) }
        : (0..<count).map { _ in generator.nextUniform(scale: shape[1] == 448 ? 1 : 0.1) }
      try f32.add(name, shape: shape, values: values)
      guard let type = kQuantType(name, shape: shape) else {
        try quantized.add(name, shape: shape, values: values)
        try dequantized.add(name, shape: shape, values: values)
        continue
      }
      let blocks = KQuantEncoder.encode(values, as: type)
      try blocks.withUnsafeBytes { try quantized.add(name, dtype: type, shape: shape, bytes: $0) }
      try dequantized.add(name, shape: shape, values: quantized.tensor(named: name).floats())
    }
    var bundles = (f32: folder, kQuant: folder, dequantized: folder)
    let json = try JSONSerialization.data(withJSONObject: config)
    bundles.f32.configJSON = json
    bundles.kQuant.configJSON = json
    bundles.dequantized.configJSON = json
    bundles.f32.weights = f32
    bundles.kQuant.weights = quantized
    bundles.dequantized.weights = dequantized
    return bundles
  }

  /// Logits from the K-quant blocks stay within the q8 rounding of the activations of those
  /// from their dequantized weights in f32, and close to the f32 model's (the weights' own
  /// rounding added; measured and printed).
  @Test func kQuantLogitsStayCloseToF32() throws {
    let (f32, kQuant, dequantized) = try Self.bundles()
    let tokens = GGUFLogitsTests.tokens(444)
    let ours = try GGUFLogitsTests.logits(kQuant, tokens)
    let widened = try GGUFLogitsTests.logits(dequantized, tokens)
    let reference = try GGUFLogitsTests.logits(f32, tokens)
    let activationGap = GGUFLogitsTests.gap(ours, widened)
    let totalGap = GGUFLogitsTests.gap(ours, reference)
    let weightGap = GGUFLogitsTests.gap(widened, reference)
    print(
      "K-quant tiny-llada (d 256): vs its dequantized f32 \(activationGap), vs f32 \(totalGap)"
        + " (dequantized vs f32 \(weightGap)) of the largest logit")
    let finite = ours.allSatisfy { $0.isFinite }
    #expect(finite)
    #expect(activationGap < 0.05)
    #expect(totalGap < 0.3)
  }
}
