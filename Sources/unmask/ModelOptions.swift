import ArgumentParser
import Foundation
import Unmask

/// Flags every command that runs a model shares.
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Model folder (config.json, tokenizer.json, safetensors), .safetensors file or .umk file.")
  var model: String

  @Option(name: .long, help: "Compute threads (BLAS and Unmask's loops). Default: all cores.")
  var threads: Int?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Kernel path. Default: the fastest exact one this CPU runs. avx512-bf16 rounds activations to bf16 for bf16 weights: faster, not exact."
    ))
  var kernel: KernelPath?

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    if let kernel, !kernel.isSupported { throw ValidationError("--kernel: \(KernelPathError(path: kernel))") }
  }

  /// Applies `--threads` and `--kernel` and loads the model.
  func load() throws -> (model: any MaskedDiffusionModel, bundle: ModelBundle) {
    if let threads { ComputeThreads.set(threads) }
    if let kernel { try KernelPath.setDefault(kernel) }
    let bundle = try ModelBundle.open(URL(fileURLWithPath: model))
    return (try ModelRegistry.load(bundle), bundle)
  }
}

/// A problem found while running a command: printed as one line (`Error: ...`), exit 1.
struct CommandError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Parses `5,6,7` into token ids.
func parseTokenList(_ text: String, flag: String) throws -> [Int32] {
  guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
    throw CommandError("\(flag) is empty; give token ids separated by commas, e.g. 5,6,7")
  }
  let parts = text.split(separator: ",", omittingEmptySubsequences: false)
  var tokens: [Int32] = []
  for part in parts {
    let trimmed = part.trimmingCharacters(in: .whitespaces)
    guard let value = Int32(trimmed) else {
      throw CommandError("\(flag): '\(trimmed)' is not a token id (expected integers separated by commas)")
    }
    tokens.append(value)
  }
  return tokens
}
