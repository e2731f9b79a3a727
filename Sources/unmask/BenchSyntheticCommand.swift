import ArgumentParser
import Foundation
import Unmask

/// `unmask bench synthetic`: a random-weight checkpoint at real size, from a config.json alone,
/// written straight to a `.umk` (its values made a slice at a time, so neither memory nor disk
/// ever holds it unquantized).
struct BenchSyntheticCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "synthetic",
    abstract:
      "Write a random-weight .umk with a real checkpoint's names and shapes (MoE models).",
    discussion: """
      For speed and memory runs at sizes no test fixture has, from the config.json of a \
      LLaDA-MoE, LLaDA2 or DiffusionGemma checkpoint (chosen by its architectures): \
      DiffusionGemma-26B-A4B's 25 billion weights as q4_0 are a 15 GB file written in minutes, \
      without the 50 GB bf16 safetensors. The weights are those of a freshly initialised model (uniform with standard \
      deviation 0.02; norms and scales 1): their outputs mean nothing. config.json (and \
      generation_config.json when it sits beside it) are embedded. The file is raw-coded, so \
      the model maps its tensors in place. Example: unmask bench synthetic --config \
      scripts/bench/diffusiongemma-26b-a4b/config.json --quantize q4_0 --out /tmp/dg26b.umk
      """)

  @Option(help: "The config.json to build (a LLaDA-MoE's, LLaDA2's or DiffusionGemma's).")
  var config: String

  @Option(help: "The .umk to write.")
  var out: String

  @Option(
    help:
      "Quantize the weight matrices and stacked experts: none, q8_0, q4_0, or llama.cpp's q4_k_m / q5_k_m mixes (slower to write)."
  )
  var quantize: UMKQuantization = .q4_0

  @Option(help: "Float type of what is not quantized (embeddings, norms): bf16, f16 or f32.")
  var dtype: UMKDTypeChoice = .bf16

  @Option(help: "Seed of the weights.")
  var seed: UInt64 = 0

  func validate() throws {
    guard dtype != .keep else { throw ValidationError("--dtype must name a float type") }
  }

  func run() throws {
    let url = URL(fileURLWithPath: config)
    let configJSON: Data
    do { configJSON = try Data(contentsOf: url) } catch {
      throw CommandError("\(config): cannot read")
    }
    let tensors = GeneratedTensors(
      location: "synthetic \(url.lastPathComponent)",
      specs: try SyntheticCheckpoint.tensors(configJSON: configJSON, path: config), seed: seed)
    var files: [(name: String, data: Data)] = [("config.json", configJSON)]
    let generation = url.deletingLastPathComponent().appendingPathComponent(
      "generation_config.json")
    if let data = try? Data(contentsOf: generation) {
      files.append(("generation_config.json", data))
    }
    var options = UMKConvertOptions()
    options.codec = .raw
    options.quantize = quantize
    options.dtype = dtype
    print("\(tensors.tensorNames.count) tensors, \(tensors.elementCount) weights")
    let summary = try UMKWriter.convert(
      weights: tensors, files: files, to: URL(fileURLWithPath: out), options: options)
    print(
      String(
        format: "%@: %d tensors (%d quantized), %.2f GB in %.0f s", out, summary.tensors,
        summary.quantized, Double(summary.fileBytes) / 1e9, summary.seconds))
  }
}
