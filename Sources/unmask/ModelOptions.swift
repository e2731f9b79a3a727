import ArgumentParser
import Foundation
import Unmask

/// Flags every command that runs a model shares.
struct ModelOptions: ParsableArguments {
  @Option(
    name: .long,
    help:
      "Model: a folder (config.json, tokenizer.json, safetensors), a .safetensors or .umk file, a Hugging Face cache snapshot, or a name from `unmask models`."
  )
  var model: String

  @Option(name: .long, help: "Compute threads (BLAS and Unmask's loops). Default: all cores.")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }

  /// Applies `--threads` and opens the model.
  func open() throws -> ModelSession {
    if let threads { ComputeThreads.set(threads) }
    return try ModelSession.open(model)
  }
}
