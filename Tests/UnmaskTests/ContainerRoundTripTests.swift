import Foundation
import Testing
import Unmask

/// `.umk` files through the engine: a lossless file gives bit-identical logits to the
/// safetensors it came from; a quantized one stays close and is computed from directly.
@Suite("Engine from .umk")
struct ContainerRoundTripTests {
  func convert(_ fixture: String, _ flags: [String]) throws -> String {
    let out = Fixtures.temporary("\(fixture).umk")
    let result = try UnmaskTool.run(["convert", Fixtures.model(fixture), out] + flags)
    #expect(result.status == 0, "\(result.stderr)")
    return out
  }

  @Test(arguments: ["tiny-llada", "tiny-llada-gqa", "tiny-dream"])
  func losslessFilesGiveIdenticalLogits(fixture: String) throws {
    let umk = try convert(fixture, ["--codec", "zstd"])
    let original = try ModelRegistry.load(contentsOf: Fixtures.root.appendingPathComponent(fixture))
    let converted = try ModelRegistry.load(contentsOf: URL(fileURLWithPath: umk))
    let tokens: [Int32] = [1, 5, 9, 200, 17, 3]
    #expect(try converted.logits(for: tokens) == original.logits(for: tokens))
  }

  @Test(arguments: ["q8_0", "q4_0"])
  func quantizedFilesStayCloseToTheOriginal(scheme: String) throws {
    let umk = try convert("tiny-llada", ["--quantize", scheme])
    let original = try ModelRegistry.load(
      contentsOf: Fixtures.root.appendingPathComponent("tiny-llada"))
    let quantized = try ModelRegistry.load(contentsOf: URL(fileURLWithPath: umk))
    let tokens: [Int32] = [1, 5, 9, 200, 17, 3, 444, 444]
    let a = try original.logits(for: tokens).values
    let b = try quantized.logits(for: tokens).values
    let gap = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    let scale = a.map(abs).max() ?? 1
    print("\(scheme): worst logit gap \(gap) of max |logit| \(scale)")
    // Weight rounding error: q8_0 steps are amax/127, q4_0 amax/8 per block of 32.
    #expect(gap <= (scheme == "q8_0" ? 0.1 : 0.5) * scale)
    #expect(a != b)
  }

  /// DiffusionGemma: a lossless file decodes the same bits; quantized files store the stacked
  /// experts (`experts.gate_up_proj [E, 2I, d]`) quantized, and run from them directly.
  @Test(arguments: ["none", "q8_0", "q4_0"])
  func diffusionGemmaConvertsWithItsStackedExperts(scheme: String) throws {
    let umk = try convert(
      "tiny-diffusiongemma", scheme == "none" ? ["--codec", "zstd"] : ["--quantize", scheme])
    let file = try UMKFile(url: URL(fileURLWithPath: umk))
    let experts = try file.tensor(named: "model.decoder.layers.0.experts.gate_up_proj")
    #expect(experts.dtype.rawValue == (scheme == "none" ? "BF16" : scheme.uppercased()))
    let original = try ModelSession.open(Fixtures.model("tiny-diffusiongemma"))
    let converted = try ModelSession.open(umk)
    func logits(_ session: ModelSession) throws -> [Float] {
      let decoder = try #require(session.model.canvasDecoder)
      let prefix = decoder.makePrefix(positions: 24)
      try decoder.encode([2, 5, 6, 7, 8], into: prefix)
      return try decoder.decode(Array(20..<36), after: prefix, selfConditioning: nil).values
    }
    let a = try logits(original)
    let b = try logits(converted)
    if scheme == "none" {
      #expect(a == b)
    } else {
      // The fixture's weights are large on purpose (peaky logits for the sampler goldens), so
      // rounding them moves logits far; the direction stays (cosine).
      let dot = zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
      let cosine =
        dot
        / (sqrt(a.reduce(0) { $0 + Double($1 * $1) }) * sqrt(b.reduce(0) { $0 + Double($1 * $1) }))
      print("diffusiongemma \(scheme): cosine \(cosine)")
      #expect(cosine > (scheme == "q8_0" ? 0.99 : 0.8))
    }
    // The settings come along: generation_config.json is embedded.
    #expect(converted.settings().steps == original.settings().steps)
  }
}
