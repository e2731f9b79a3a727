import ArgumentParser
import Foundation
import Unmask

/// `unmask bench`: measured speed, always printed next to a baseline measured in the same run.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Benchmarks that print ratios against baselines measured in the same run.",
    subcommands: [BenchForwardCommand.self, BenchConvertCommand.self, BenchTraceCommand.self])
}

/// `unmask bench forward`: forward-pass GFLOP/s against BLAS sgemm GFLOP/s.
struct BenchForwardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "forward",
    abstract: "Forward-pass speed of a LLaDA-shaped model next to BLAS sgemm peak on its shapes.",
    discussion: """
      Without --model, builds a random-weight LLaDA of d 1024, 8 layers, 16 heads, MLP 2816, \
      vocabulary 8192 (about 120M parameters; change it with --d-model, --layers, --heads, \
      --mlp, --vocabulary) in f32 and bf16. The sgemm baseline is measured in the same run on \
      each model's own MLP shape: [tokens x d_model] x [mlp x d_model]^T.
      """)

  @Option(help: "Benchmark this model instead of the synthetic one.")
  var model: String?

  @Option(help: "Canvas length (tokens).")
  var tokens = 160

  @Option(help: "Timed forward passes per configuration (best is reported).")
  var repetitions = 5

  @Option(help: "Compute threads.")
  var threads: Int?

  @Option(help: "Synthetic model width.") var dModel = 1024
  @Option(help: "Synthetic model layers.") var layers = 8
  @Option(help: "Synthetic model heads.") var heads = 16
  @Option(help: "Synthetic model MLP width.") var mlp = 2816
  @Option(help: "Synthetic model vocabulary.") var vocabulary = 8192

  func validate() throws {
    guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
    guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    guard dModel % heads == 0 else { throw ValidationError("--d-model must be a multiple of --heads") }
  }

  func run() throws {
    if let threads { ComputeThreads.set(threads) }
    // Load first: a bad --model path is reported before any time is spent measuring.
    var candidates: [(String, any MaskedDiffusionModel)] = []
    if let model {
      candidates.append((model, try ModelRegistry.load(contentsOf: URL(fileURLWithPath: model))))
    } else {
      for dtype in [DType.f32, .bf16] {
        let synthetic = try SyntheticCheckpoint.llada(
          dModel: dModel, layers: layers, heads: heads, mlp: mlp, vocabulary: vocabulary,
          dtype: dtype)
        candidates.append(("synthetic LLaDA \(dtype.rawValue)", synthetic))
      }
    }
    print("threads: \(ComputeThreads.count), canvas: \(tokens) tokens")
    var baselines: [[Int]: Double] = [:]
    for (name, candidate) in candidates {
      let (width, hidden) = Self.mlpShape(of: candidate) ?? (dModel, mlp)
      let peak: Double
      if let measured = baselines[[width, hidden]] {
        peak = measured
      } else {
        peak = GEMMBenchmark.sgemmGFLOPS(m: tokens, n: hidden, k: width)
        baselines[[width, hidden]] = peak
        print(
          String(
            format: "BLAS sgemm [%d x %d] x [%d x %d]^T: %.1f GFLOP/s (baseline, this run)",
            tokens, width, hidden, width, peak))
      }
      let vocabulary = candidate.vocabularySize
      let canvas = (0..<tokens).map { Int32(($0 * 7919) % vocabulary) }
      _ = try candidate.logits(for: canvas)  // warm-up: page in weights, size buffers
      var best = Double.infinity
      for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try candidate.logits(for: canvas)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      }
      let gflops = candidate.flops(tokens: tokens) / best / 1e9
      print(
        String(
          format: "%@ (%.1fM params, %.1f GFLOP/pass): %.1f ms/pass, %.1f GFLOP/s = %.2fx sgemm",
          name, Double(candidate.parameterCount) / 1e6, candidate.flops(tokens: tokens) / 1e9,
          best * 1000, gflops, gflops / peak))
    }
  }

  /// The model width and MLP width of `model` (its first block's gate projection), the
  /// largest GEMM of a forward pass after the output head.
  static func mlpShape(of model: any MaskedDiffusionModel) -> (width: Int, hidden: Int)? {
    guard let stack = (model as? any TransformerStackModel)?.stack,
      let gate = stack.blocks.first?.gate
    else { return nil }
    return (stack.modelDimension, gate.outFeatures)
  }
}
