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
