import ArgumentParser
import Foundation
import Unmask
import UnmaskModels

/// `unmask bench resident`: a lossless `.umk` run with its weights kept compressed against the
/// same file decoded at load, in one run.
struct BenchResidentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resident",
    abstract: "Time and peak memory of --resident compressed against --resident decoded.",
    discussion: """
      MODEL is a lossless compressed .umk (convert's default codec). Each residency loads the \
      model afresh (compressed first, so the decoded copy's pages are not yet in use), times \
      its first forward pass over a canvas of --tokens and the best of --repetitions more, and \
      reads the process's peak resident memory for that phase. Memory is given as a multiple of \
      the decoded weights (the bf16 checkpoint's size); the logits of the two runs are compared \
      and must be identical.
      """)

  @Argument(help: "A lossless compressed .umk.") var model: String
  @Option(help: "Canvas length (tokens).") var tokens = 256
  @Option(help: "Timed forward passes per residency (the best is reported).") var repetitions = 3
  @Option(help: "Compute threads.") var threads: Int?
  @Option(help: "Measure this residency alone (compressed or decoded): for profiling one.")
  var only: WeightResidency?

  func validate() throws {
    guard tokens > 0 else { throw ValidationError("--tokens must be positive, got \(tokens)") }
    guard repetitions > 0 else {
      throw ValidationError("--repetitions must be positive, got \(repetitions)")
    }
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }

  /// One residency's figures.
  struct Phase {
    var load = 0.0
    var first = 0.0
    var best = Double.infinity
    var bestCPU = Double.infinity
    var peakBytes = 0
    var logits: [Float] = []
  }

  func run() throws {
    setvbuf(stdout, nil, _IOLBF, 0)
    if let threads { ComputeThreads.set(threads) }
    let url = URL(fileURLWithPath: model)
    let file = try UMKFile(url: url)
    let decodedBytes = file.header.tensors.reduce(0) { $0 + $1.byteCount }
    let compressed = file.header.tensors.filter { $0.encoding == .planes }
    guard !compressed.isEmpty else {
      throw CheckpointError(
        path: url.path, "no compressed tensors: convert it with the default (lossless) codec")
    }
    let fileBytes = file.file.bytes.count
    print("cpu: \(cpuModelName()), threads: \(ComputeThreads.count), canvas: \(tokens) tokens")
    print(
      String(
        format: "%@: %.1f MB on disk = %.2fx its %.1f MB of decoded weights", url.lastPathComponent,
        Double(fileBytes) / 1e6, Double(fileBytes) / Double(decodedBytes),
        Double(decodedBytes) / 1e6))
    print(
      "resident     load s  first pass s  best pass s  (cpu s)  peak RSS MB  RSS / decoded weights")
    var phases: [WeightResidency: Phase] = [:]
    for residency in only.map({ [$0] }) ?? [WeightResidency.compressed, .decoded] {
      let phase = try measure(url, residency)
      phases[residency] = phase
      print(
        residency.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
          + String(
            format: "%7.2f %13.3f %12.3f %8.3f %12.1f %10.2fx", phase.load, phase.first,
            phase.best, phase.bestCPU, Double(phase.peakBytes) / 1e6,
            Double(phase.peakBytes) / Double(decodedBytes)))
    }
    guard let kept = phases[.compressed], let decoded = phases[.decoded] else { return }
    let same = kept.logits == decoded.logits
    print(
      String(
        format:
          "compressed / decoded: %.2fx the time per pass (%.2fx the CPU time), %.2fx the peak RSS; logits %@",
        kept.best / decoded.best, kept.bestCPU / decoded.bestCPU,
        Double(kept.peakBytes) / Double(decoded.peakBytes),
        same ? "identical" : "DIFFER"))
    if !same { throw ExitCode.failure }
  }

  /// Loads `url` with `residency` and times its passes; the model is released on return.
  func measure(_ url: URL, _ residency: WeightResidency) throws -> Phase {
    PeakMemory.reset()
    var phase = Phase()
    let start = DispatchTime.now().uptimeNanoseconds
    let bundle = try ModelBundle.open(url)
    (bundle.weights as? UMKFile)?.residency = residency
    let model = try ModelRegistry.load(bundle)
    phase.load = seconds(since: start)
    let canvas = (0..<tokens).map { Int32(($0 * 7919) % model.vocabularySize) }
    let firstStart = DispatchTime.now().uptimeNanoseconds
    phase.logits = try model.logits(for: canvas).values
    phase.first = seconds(since: firstStart)
    for _ in 0..<repetitions {
      let passStart = DispatchTime.now().uptimeNanoseconds
      let cpu = processCPUSeconds()
      _ = try model.logits(for: canvas)
      phase.best = min(phase.best, seconds(since: passStart))
      phase.bestCPU = min(phase.bestCPU, processCPUSeconds() - cpu)
    }
    phase.peakBytes = PeakMemory.bytes()
    return phase
  }

  private func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }
}
