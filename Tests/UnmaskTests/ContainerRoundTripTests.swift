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
}
