import Foundation
import Testing
import Unmask

/// `unmask bench synthetic`: a random-weight `.umk` from a config.json alone, with the names and
/// shapes the architecture's loader asks for (it loads strictly, so one wrong name fails).
@Suite("unmask bench synthetic")
struct BenchSyntheticCommandTests {
  @Test(arguments: [
    "tiny-llada-moe", "tiny-llada-moe-shared", "tiny-llada2", "tiny-llada2-variant",
    "tiny-diffusiongemma",
  ])
  func aSyntheticCheckpointLoadsAsItsArchitecture(fixture: String) throws {
    let out = Fixtures.temporary("\(fixture)-synthetic.umk")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let config = Fixtures.model(fixture) + "/config.json"
    let result = try UnmaskTool.run([
      "bench", "synthetic", "--config", config, "--quantize", "q8_0", "--out", out,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let synthetic = try ModelRegistry.load(contentsOf: URL(fileURLWithPath: out))
    let original = try ModelRegistry.load(contentsOf: URL(fileURLWithPath: Fixtures.model(fixture)))
    #expect(synthetic.architecture == original.architecture)
    #expect(synthetic.parameterCount == original.parameterCount)
    if fixture != "tiny-diffusiongemma" {  // DiffusionGemma decodes through its own entry point
      #expect(try synthetic.logits(for: [1, 2, 3, 4]).values.allSatisfy(\.isFinite))
    }
  }

  @Test func aConfigOfAnotherArchitectureIsRefusedByName() throws {
    let out = Fixtures.temporary("llada-synthetic.umk")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let config = Fixtures.model("tiny-llada") + "/config.json"
    let result = try UnmaskTool.run(["bench", "synthetic", "--config", config, "--out", out])
    #expect(result.status != 0)
    #expect(result.stderr.contains("architectures") && result.stderr.contains(config))
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
