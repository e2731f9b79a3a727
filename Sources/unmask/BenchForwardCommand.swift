import ArgumentParser
import Foundation
import Unmask

/// `unmask bench forward`: ms per forward pass and GFLOP/s for each weight type, file format
/// and kernel path, next to two baselines measured in the same run: BLAS sgemm on the model's
/// MLP shape, and the previous engine (`--kernel blas`: weights widened to f32 tiles, sgemm).
struct BenchForwardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "forward",
    abstract: "Forward-pass speed per weight type and kernel path, next to BLAS baselines.",
    discussion: """
      Without --model, builds a random-weight LLaDA of d 1024, 8 layers, 16 heads, MLP 2816, \
      vocabulary 8192 (about 120M parameters; change it with --d-model, --layers, --heads, \
      --mlp, --vocabulary), writes it as \
      .safetensors (f32, bf16) and .umk (raw codec; f32, bf16, and q8_0/q4_0 quantized by \
      convert) in a temporary folder, and times each file on each kernel path. The sgemm \
      baseline is measured in the same run on the model's own MLP shape: \
      [tokens x d_model] x [mlp x d_model]^T.
      """)

  @Option(help: "Benchmark this model (folder, .safetensors or .umk) instead of the synthetic one.")
  var model: String?

  @Option(help: "Canvas length (tokens).")
  var tokens = 160

  @Option(help: "Timed forward passes per configuration (the best is reported).")
  var repetitions = 5

  @Option(help: "Compute threads.")
  var threads: Int?

  @Option(
    help: """
      Also time passes that compute only this many logit rows (positions after a 32-token \
      prompt: one block's masks, as a sampler step asks for them); skipped when 0 or not \
      fewer than --tokens.
      """)
  var logitRows = 16

  @Option(
    help: """
      Kernel paths to time, comma-separated (\(KernelPath.allCases.map(\.rawValue).joined(separator: ", "))). \
      Default: every path this CPU runs but scalar.
      """)
  var kernels: String?

  @Option(help: "Weight types of the synthetic model, comma-separated (f32, bf16, q8_0, q4_0).")
  var dtypes = "f32,bf16,q8_0,q4_0"

  @Option(help: "Synthetic model width.") var dModel = 1024
  @Option(help: "Synthetic model layers.") var layers = 8
  @Option(help: "Synthetic model heads.") var heads = 16
  @Option(help: "Synthetic model MLP width.") var mlp = 2816
  @Option(help: "Synthetic model vocabulary.") var vocabulary = 8192

  func validate() throws {
    guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
    guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    guard logitRows >= 0 else {
      throw ValidationError("--logit-rows must be at least 0, got \(logitRows)")
    }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    guard dModel % heads == 0 else {
      throw ValidationError("--d-model must be a multiple of --heads")
    }
    _ = try paths()
    _ = try weightTypes()
  }

  func paths() throws -> [KernelPath] {
    guard let kernels else { return KernelPath.available.filter { $0 != .scalar } }
    return try kernels.split(separator: ",").map { name in
      guard let path = KernelPath(rawValue: String(name)) else {
        throw ValidationError("--kernels: unknown path '\(name)'")
      }
      guard path.isSupported else {
        throw ValidationError("--kernels: \(KernelPathError(path: path))")
      }
      return path
    }
  }

  func weightTypes() throws -> [DType] {
    try dtypes.split(separator: ",").map { name in
      guard let dtype = DType(rawValue: name.uppercased()),
        [.f32, .bf16, .q8_0, .q4_0].contains(dtype)
      else { throw ValidationError("--dtypes: '\(name)' is not one of f32, bf16, q8_0, q4_0") }
      return dtype
    }
  }

  func run() throws {
    setvbuf(stdout, nil, _IOLBF, 0)  // one line per measurement as it lands, even into a file
    if let threads { ComputeThreads.set(threads) }
    let paths = try paths()
    // Load first: a bad --model path is reported before any time is spent measuring.
    let given = try model.map { path in
      (
        URL(fileURLWithPath: path).lastPathComponent,
        try ModelRegistry.load(contentsOf: URL(fileURLWithPath: path))
      )
    }
    print("cpu: \(cpuModelName()), threads: \(ComputeThreads.count), canvas: \(tokens) tokens")
    print(
      "kernel paths: \(KernelPath.available.map(\.rawValue).joined(separator: ", ")) "
        + "(best exact: \(KernelPath.best.rawValue), int8 dots: \(KernelPath.hasVNNI ? "AVX512-VNNI" : "no VNNI"))"
    )
    let (width, hidden) = given.flatMap { Self.mlpShape(of: $0.1) } ?? (dModel, mlp)
    let peak = GEMMBenchmark.sgemmGFLOPS(m: tokens, n: hidden, k: width)
    print(
      String(
        format: "baseline: BLAS sgemm [%d x %d] x [%d x %d]^T: %.1f GFLOP/s (this run)", tokens,
        width, hidden, width, peak))

    // The multiply-add rate each timed path's GEMM is built on, on every thread at once: a
    // pass's GFLOP/s over it is its efficiency, which a noisy machine moves less than times.
    var peaks: [GEMMBenchmark.MultiplyAdd: Double] = [:]
    let instructions = paths.flatMap { path in
      [DType.f32, .bf16].compactMap { GEMMBenchmark.MultiplyAdd(path, $0) }
    }
    for instruction in Set(instructions) {
      peaks[instruction] = GEMMBenchmark.peakGFLOPS(instruction)
    }
    if !peaks.isEmpty {
      print(
        "peak multiply-add rate on \(ComputeThreads.count) threads (this run): "
          + peaks.sorted { $0.key.rawValue < $1.key.rawValue }
          .map { String(format: "%@ %.1f GFLOP/s", $0.key.rawValue, $0.value) }
          .joined(separator: ", "))
    }

    if let (label, loaded) = given {
      try time(label: label, loaded, paths, peak)
      return
    }
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("unmask-bench-forward-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for dtype in try weightTypes() {
      for (label, url) in try writeSynthetic(dtype, into: folder) {
        try time(
          label: label, try ModelRegistry.load(contentsOf: url), paths, peak,
          dtype: dtype, peaks: peaks)
        try? FileManager.default.removeItem(at: url)
      }
    }
  }

  /// The model width and MLP width of `model` (its first block's feed-forward layer), the
  /// largest GEMM of a forward pass after the output head.
  static func mlpShape(of model: any MaskedDiffusionModel) -> (width: Int, hidden: Int)? {
    let shape = model.baselineGEMMShape
    return shape.hidden > 0 ? shape : nil
  }

  /// Writes the synthetic model as `dtype`: a raw-codec `.umk` (quantized by convert for
  /// q8_0/q4_0) and, for f32/bf16, the `.safetensors` folder exported from it.
  func writeSynthetic(_ dtype: DType, into folder: URL) throws -> [(String, URL)] {
    let quantized = dtype.isQuantized
    let (tensors, config) = try SyntheticCheckpoint.lladaTensors(
      dModel: dModel, layers: layers, heads: heads, mlp: mlp, vocabulary: vocabulary,
      dtype: quantized ? .f32 : dtype)
    var options = UMKConvertOptions()
    options.codec = .raw
    options.durable = false
    options.quantize = dtype == .q8_0 ? .q8_0 : dtype == .q4_0 ? .q4_0 : .none
    let umk = folder.appendingPathComponent("synthetic-\(dtype.rawValue).umk")
    _ = try UMKWriter.convert(
      weights: tensors, files: [("config.json", config)], to: umk, options: options)
    var files = [("\(dtype.rawValue) .umk", umk)]
    if !quantized {
      let directory = folder.appendingPathComponent("synthetic-\(dtype.rawValue)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try config.write(to: directory.appendingPathComponent("config.json"))
      _ = try UMKFile(url: umk).exportSafetensors(
        to: directory.appendingPathComponent("model.safetensors"))
      files.insert(("\(dtype.rawValue) .safetensors", directory), at: 0)
    }
    return files
  }

  /// Times one model on each path and prints a line per path with its ratio to `.blas`. With
  /// the weights' `dtype` (the synthetic models), each line also gives the pass's share of the
  /// `peaks` of its GEMM's instruction.
  func time(
    label: String, _ model: any MaskedDiffusionModel, _ paths: [KernelPath], _ peak: Double,
    dtype: DType? = nil, peaks: [GEMMBenchmark.MultiplyAdd: Double] = [:]
  ) throws {
    let canvas = (0..<tokens).map { Int32(($0 * 7919) % model.vocabularySize) }
    let flops = model.flops(tokens: tokens)
    // One block's masks after a 32-token prompt (the issue's canvas), or the canvas's end.
    let first = max(0, min(32, tokens - logitRows))
    let rows = LogitRows.positions(Array(first..<min(tokens, first + logitRows)))
    var blas: (wall: Double, cpu: Double)?
    // The previous engine first, so every other path has its ratio.
    for path in paths.sorted(by: { ($0 == .blas ? 0 : 1) < ($1 == .blas ? 0 : 1) }) {
      let best = try KernelPath.with(path) { try bestOf { _ = try model.logits(for: canvas) } }
      if path == .blas { blas = best }
      let gflops = flops / best.wall / 1e9
      let versus =
        blas.map {
          String(format: "  %.2fx blas (wall), %.2fx (cpu)", $0.wall / best.wall, $0.cpu / best.cpu)
        } ?? ""
      let ofPeak =
        dtype.flatMap { GEMMBenchmark.MultiplyAdd(path, $0) }.flatMap { instruction in
          peaks[instruction].map {
            String(format: ", %.0f%% of %@ peak", 100 * gflops / $0, instruction.rawValue)
          }
        } ?? ""
      let name = label.padding(toLength: 18, withPad: " ", startingAt: 0)
      let kernel = path.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
      print(
        name + kernel
          + String(
            format: "%7.1f ms/pass %6.1f GFLOP/s = %.2fx sgemm; cpu %7.1f ms", best.wall * 1000,
            gflops,
            gflops / peak, best.cpu * 1000) + ofPeak + versus)
      // `.blas` computes every row (see TransformerStack.logits(for:rows:)): nothing to time.
      guard logitRows > 0, logitRows < tokens, path != .blas else { continue }
      let restricted = try KernelPath.with(path) {
        try bestOf { _ = try model.logits(for: canvas, rows: rows) }
      }
      print(
        String(repeating: " ", count: 30)
          + String(
            format: "%7.1f ms/pass for %d of %d logit rows; cpu %7.1f ms = %.2fx the full pass",
            restricted.wall * 1000, logitRows, tokens, restricted.cpu * 1000,
            best.cpu / restricted.cpu))
    }
  }

  /// The best wall and CPU time of `repetitions` runs of `pass`, after one warm-up run (pages
  /// in the weights, sizes the buffers).
  func bestOf(_ pass: () throws -> Void) throws -> (wall: Double, cpu: Double) {
    try pass()
    var best = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<repetitions {
      let cpu = processCPUSeconds()
      let start = DispatchTime.now().uptimeNanoseconds
      try pass()
      best.wall = min(best.wall, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      best.cpu = min(best.cpu, processCPUSeconds() - cpu)
    }
    return best
  }
}

/// CPU time of the whole process (every thread), in seconds: on a shared machine the wall time
/// of a pass includes time other processes held the cores; the CPU time does not (with
/// `--threads 1` it is the pass's own time).
func processCPUSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// The CPU's model name from /proc/cpuinfo (Linux), else the architecture.
func cpuModelName() -> String {
  if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
    let colon = line.firstIndex(of: ":")
  {
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
  }
  #if arch(arm64)
    return "arm64"
  #else
    return "x86_64"
  #endif
}

extension KernelPath: ExpressibleByArgument {}
extension Numerics: ExpressibleByArgument {}
extension WeightResidency: ExpressibleByArgument {}
