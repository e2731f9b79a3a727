import ArgumentParser
import Foundation
import Unmask

/// `unmask bench generate`: generation speed per key/value cache mode, against `--cache none`
/// measured in the same run.
struct BenchGenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Tokens/s, forward passes, tokens per forward and peak RSS per cache mode.",
    discussion: """
      Generates the same greedy answer with each --caches mode (none first: the baseline) and \
      prints tokens/s, forward passes, tokens per forward pass, peak resident memory of the \
      phase and the speed ratio against none. Without --model, builds a random-weight LLaDA of \
      the issue's benchmark shape (d 1024, 8 layers, 16 heads, mlp 2816, vocab 8192) in bf16. \
      Defaults follow the issue's target: a 32-token prompt, 256 generated, block 32, one step \
      per token (--strategy confidence), so every mode runs the same number of steps.
      """)

  @Option(help: "Model folder, .safetensors or .umk (default: the synthetic bf16 LLaDA).")
  var model: String?

  /// The random-weight benchmark shapes (without --model).
  enum SyntheticLayers: String, CaseIterable, ExpressibleByArgument {
    case llada, qwen3
  }
  @Option(
    help:
      "Without --model: the benchmark shape with LLaDA layers (bidirectional), or with Qwen3 layers (q/k norm) as a block-causal SDAR over --block-length, whose exact cache (--caches exact) caches finished blocks."
  )
  var layers: SyntheticLayers = .llada

  @Option(help: "Prompt tokens.") var promptLength = 32
  @Option(help: "Tokens to generate.") var length = 256
  @Option(help: "Block length.") var blockLength = 32
  @Option(help: "Denoising steps (default: --length).") var steps: Int?
  /// The strategies this benchmark runs.
  enum BenchStrategy: String, CaseIterable, ExpressibleByArgument {
    case confidence, threshold
  }
  @Option(help: "confidence (fixed steps) or threshold (Fast-dLLM parallel decoding).")
  var strategy: BenchStrategy = .confidence
  @Option(help: "Threshold for --strategy threshold.") var threshold = 0.9
  @Option(help: "Cache modes to measure, comma separated; none always runs first.")
  var caches = "none,prefix,dual"
  @Option(
    help:
      "Batch sizes to measure, comma separated (after batch 1), with each --caches mode; a batch runs whole (--blocks does not stop it)."
  )
  var batchSizes = ""
  @Option(
    help:
      "Stop each run after this many blocks (tokens/s over them). none and dual cost the same in every block; prefix's later blocks are cheaper, so it is then a lower bound."
  )
  var blocks: Int?
  @Option(help: "Compute threads.") var threads: Int?
  @Flag(
    help: """
      First run --cache none computing every logit row (as before row-restricted passes): the \
      baseline of the ratios, to measure what restricting the rows saves.
      """)
  var allRowsBaseline = false

  func validate() throws {
    guard promptLength >= 1, length >= 1, blockLength >= 1 else {
      throw ValidationError("--prompt-length, --length and --block-length must be at least 1")
    }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let blocks, blocks < 1 { throw ValidationError("--blocks must be at least 1") }
    _ = try modes()
    _ = try batches()
  }

  /// Batch sizes beyond 1, in the order given.
  func batches() throws -> [Int] {
    var sizes: [Int] = []
    for field in batchSizes.split(separator: ",") {
      guard let n = Int(field.trimmingCharacters(in: .whitespaces)), n >= 1 else {
        throw ValidationError("--batch-sizes: '\(field)' is not a positive integer")
      }
      if n > 1 && !sizes.contains(n) { sizes.append(n) }
    }
    return sizes
  }

  /// `none` first (the baseline), then the others in the order given.
  func modes() throws -> [CacheMode] {
    var modes: [CacheMode] = [.none]
    for name in caches.split(separator: ",") {
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      guard let mode = CacheMode(rawValue: trimmed) else {
        throw ValidationError("--caches: '\(trimmed)' is not one of none, prefix, dual, exact")
      }
      if !modes.contains(mode) { modes.append(mode) }
    }
    return modes
  }

  func run() throws {
    if let threads { ComputeThreads.set(threads) }
    let network: any MaskedDiffusionModel
    let name: String
    if let model {
      network = try ModelSession.open(model).model
      name = model
    } else {
      switch layers {
      case .llada:
        network = try SyntheticCheckpoint.llada(
          dModel: 1024, layers: 8, heads: 16, mlp: 2816, vocabulary: 8192, dtype: .bf16)
        name = "synthetic LLaDA bf16 (d 1024, 8 layers, vocab 8192)"
      case .qwen3:
        network = try SyntheticCheckpoint.sdar(
          dModel: 1024, layers: 8, heads: 16, mlp: 2816, vocabulary: 8192,
          blockSize: blockLength, dtype: .bf16)
        name =
          "synthetic SDAR (Qwen3 layers) bf16 (d 1024, 8 layers, vocab 8192, block \(blockLength))"
      }
    }
    var settings = DenoisingSettings.preset(.llada)
    settings.length = length
    settings.steps = steps ?? length
    settings.blockLength = blockLength
    settings.strategy = strategy == .threshold ? .threshold(threshold) : .confidence
    settings.stopWhenBlockComplete = true
    settings.maskID = try SpecialTokens(model: network, tokenizer: nil, source: name).mask
    settings.eosID = nil
    settings.eotID = nil
    let vocabulary = network.vocabularySize
    let prompt = (0..<promptLength).map { Int32(($0 * 7919 + 13) % vocabulary) }
      .map { $0 == settings.maskID ? 0 : $0 }
    print(
      "\(name), threads \(ComputeThreads.count), prompt \(promptLength), length \(length), "
        + "block \(blockLength), steps \(settings.steps), strategy \(strategy.rawValue)"
        + (blocks.map { ", first \($0) block(s)" } ?? ""))
    _ = try network.logits(for: prompt)  // warm-up: weights paged in
    var baseline: Double?
    var cpuBaseline: Double?
    let baselineName = allRowsBaseline ? "none, all rows" : "none"
    func report(
      _ label: String, tokens: Int, passes: Int, seconds: Double, cpu: Double, resettable: Bool
    ) {
      let peak = Double(PeakMemory.bytes()) / 1_048_576
      let speed = Double(tokens) / seconds
      if baseline == nil { baseline = speed }
      if cpuBaseline == nil { cpuBaseline = cpu / Double(tokens) }
      print(
        String(
          format:
            "%@ %8.2f tokens/s  %4d forward passes  %5.2f tokens/forward  peak RSS %7.1f MiB%@  %5.2fx %@  cpu %.1f s = %.2fx",
          label.padding(toLength: 24, withPad: " ", startingAt: 0), speed, passes,
          Double(tokens) / Double(passes), peak, resettable ? "" : " (process)",
          speed / (baseline ?? speed), baselineName, cpu,
          (cpuBaseline ?? 1) / (cpu / Double(tokens))))
    }
    var runs = try modes().map { (mode: $0, restricted: true) }
    if allRowsBaseline { runs.insert((.none, false), at: 0) }
    for (mode, restricted) in runs {
      settings.cache = mode
      let denoiser = try Denoiser(model: network, settings: settings)
      denoiser.restrictsLogitRows = restricted
      let resettable = PeakMemory.reset()
      let stop = blocks.map { BlockLimit(blocks: $0, maskID: settings.maskID) }
      let cpu = processCPUSeconds()
      let result = try denoiser.generate(prompt: prompt, observers: stop.map { [$0] } ?? [])
      let generated = result.generated.filter { $0 != settings.maskID }.count
      report(
        "cache \(mode.rawValue)" + (restricted ? "" : ", all rows"), tokens: generated,
        passes: result.forwardPasses, seconds: result.seconds,
        cpu: processCPUSeconds() - cpu, resettable: resettable)
    }
    for mode in try batches().isEmpty ? [] : modes() {
      settings.cache = mode
      let denoiser = try Denoiser(model: network, settings: settings)
      for size in try batches() {
        // Distinct prompts of one length: rotations of the benchmark prompt.
        let prompts = (0..<size).map { k in
          Array(prompt[(k % promptLength)...] + prompt[..<(k % promptLength)])
        }
        let resettable = PeakMemory.reset()
        let start = Date()
        let cpu = processCPUSeconds()
        let results = try denoiser.generate(batch: prompts)
        // Batched passes: one per lockstep step, the most any prompt needed.
        report(
          "cache \(mode.rawValue), batch \(size)", tokens: size * length,
          passes: results.map(\.forwardPasses).max() ?? 1,
          seconds: Date().timeIntervalSince(start), cpu: processCPUSeconds() - cpu,
          resettable: resettable)
      }
    }
  }
}

/// Stops a run once its first `blocks` blocks hold no mask.
private final class BlockLimit: DenoisingObserver {
  let blocks: Int
  let maskID: Int32
  /// It reads the canvas only.
  var readsPositionScores: Bool { false }
  init(blocks: Int, maskID: Int32) {
    self.blocks = blocks
    self.maskID = maskID
  }
  func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
    let complete = !step.canvas[step.blockRange].contains(maskID)
    return step.block + 1 >= blocks && complete ? .stop : .proceed
  }
}
