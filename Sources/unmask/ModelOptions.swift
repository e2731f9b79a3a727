import ArgumentParser
import Foundation
import Unmask

/// Flags every command that runs a model shares.
struct ModelOptions: ParsableArguments {
  @Option(
    name: .long,
    help:
      "Model: a folder (config.json, tokenizer.json, safetensors), a .safetensors, .umk or .gguf file, a Hugging Face cache snapshot, or a name from `unmask models`."
  )
  var model: String

  @Option(
    name: .long,
    help:
      "Tokenizer to use instead of the model's own: a tokenizer.json or a folder holding it (needed for a GGUF without tokenizer metadata)."
  )
  var tokenizer: String?

  @Option(name: .long, help: "Compute threads (BLAS and Unmask's loops). Default: all cores.")
  var threads: Int?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Kernel path. Default: the fastest exact one this CPU runs. avx512-bf16 rounds activations to bf16 for bf16 weights: faster, not exact."
    ))
  var kernel: KernelPath?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Numerics: exact (default; logits within 1e-5 of the reference's float32) or fast (the fastest path within the reference's own bfloat16 error: avx512-bf16 where the CPU has it, else exact)."
    ))
  var numerics: Numerics?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "How a lossless compressed .umk holds its weights: decoded (decoded once at load; the fastest products) or compressed (linear weights stay compressed and are decoded a tile at a time inside each product: resident memory near the file's size, about 0.66x of bf16). Default: compressed where the decoded weights would take more than half the memory available (free, reclaimable cache, within a cgroup's limit), else decoded. Same results either way."
    ))
  var resident: WeightResidency?

  func validate() throws {
    if numerics != nil, kernel != nil {
      throw ValidationError("--numerics and --kernel both choose the kernel path: give one")
    }
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
    if let kernel, !kernel.isSupported {
      throw ValidationError("--kernel: \(KernelPathError(path: kernel))")
    }
  }

  /// Applies `--threads`, `--kernel` or `--numerics`, and opens the model (`--resident`).
  func open() throws -> ModelSession {
    if let threads { ComputeThreads.set(threads) }
    if let kernel = kernel ?? numerics?.kernelPath { try KernelPath.setDefault(kernel) }
    return try ModelSession.open(
      model, tokenizer: tokenizer.map { URL(fileURLWithPath: $0) }, residency: resident)
  }
}
