import Foundation
import Testing
@testable import UnmaskFormats
import UnmaskKernels
import UnmaskModels

/// A lossless (compressed) `.umk` of a mixture-of-experts model decodes each expert at its first
/// product, not at load: experts no token picks are never decoded (nor resident), and the logits
/// equal the safetensors' bit for bit.
@Test(arguments: ["tiny-llada-moe", "tiny-llada2"])
func compressedExpertsAreDecodedOnlyWhenPicked(fixture: String) throws {
  let folder = Fixtures.model(fixture)
  let bundle = try ModelBundle.open(folder)
  let umk = FileManager.default.temporaryDirectory
    .appendingPathComponent("experts-\(fixture)-\(ProcessInfo.processInfo.processIdentifier).umk")
  defer { try? FileManager.default.removeItem(at: umk) }
  _ = try UMKWriter.convert(
    weights: bundle.weights, files: [("config.json", bundle.configJSON)], to: umk,
    options: UMKConvertOptions())
  let original = try ModelRegistry.load(contentsOf: folder)
  let compressed = try ModelRegistry.load(contentsOf: umk)
  let meter = try #require(compressed.expertLoad)
  _ = meter.take()
  let tokens: [Int32] = [5, 17]  // 2 tokens pick at most 2·top-k of the 8 experts per layer
  #expect(try compressed.logits(for: tokens) == original.logits(for: tokens))
  let load = meter.take()
  let blocks = try #require((compressed as? TransformerStackModel)?.stack.blocks)
  let mixtures = blocks.compactMap { $0.feedForward as? MixtureOfExperts }
  #expect(mixtures.count == meter.layers)
  var idle = 0
  for (layer, mixture) in mixtures.enumerated() {
    for (e, expert) in mixture.experts.enumerated() {
      let picked = load[layer * meter.expertCount + e] > 0
      for linear in [expert.gate, expert.up, expert.down] {
        let lazy = try #require(linear.weight.owner as? LazyPlanesTensor, "\(linear.weight.name)")
        #expect((lazy.decodedChunks > 0) == picked, "\(linear.weight.name)")
      }
      if !picked { idle += 1 }
    }
  }
  #expect(idle > 0)
}
