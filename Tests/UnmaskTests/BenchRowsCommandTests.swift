import Foundation
import Testing
import UnmaskKernels

/// `unmask bench forward` times the row-restricted pass beside the full one, and skips it when
/// the canvas is not longer than the rows asked for; `bench generate --all-rows-baseline` runs
/// the every-row baseline first and gives the same tokens (same forward passes).
@Suite struct BenchRowsCommandTests {
  func run(_ arguments: [String]) throws -> UnmaskTool.Result {
    let tool = try RunningTool(arguments)
    let status = tool.finish(within: 300)
    return UnmaskTool.Result(status: status, stdout: tool.stdout, stderr: tool.stderr)
  }

  @Test func benchForwardPrintsTheRestrictedPass() throws {
    let model = Fixtures.model("tiny-llada")
    let out = try run([
      "bench", "forward", "--model", model, "--tokens", "24", "--logit-rows", "4",
      "--repetitions", "1", "--kernels", "scalar",
    ])
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.contains("for 4 of 24 logit rows"), "\(out.stdout)")
    let skipped = try run([
      "bench", "forward", "--model", model, "--tokens", "8", "--repetitions", "1",
      "--kernels", "scalar",
    ])
    #expect(skipped.status == 0, "\(skipped.stderr)")
    #expect(!skipped.stdout.contains("logit rows"), "\(skipped.stdout)")
    let bad = try run(["bench", "forward", "--model", model, "--logit-rows", "-1"])
    #expect(bad.status != 0 && bad.stderr.contains("--logit-rows"), "\(bad.stderr)")
  }

  @Test func benchGenerateRunsTheAllRowsBaselineFirst() throws {
    let out = try run([
      "bench", "generate", "--model", Fixtures.model("tiny-llada"), "--prompt-length", "4",
      "--length", "8", "--block-length", "4", "--caches", "none", "--all-rows-baseline",
    ])
    #expect(out.status == 0, "\(out.stderr)")
    let lines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("cache none") }
    #expect(lines.count == 2, "\(out.stdout)")
    #expect(lines.first?.hasPrefix("cache none, all rows") == true, "\(out.stdout)")
    #expect(lines.allSatisfy { $0.contains("8 forward passes") }, "\(out.stdout)")
  }

  /// Each pass of a synthetic model is also given as a share of its GEMM instruction's peak
  /// rate, measured in the same run (none for the scalar path, which has no such instruction).
  @Test func benchForwardGivesThePassAsAShareOfThePeak() throws {
    let path = KernelPath.best
    let out = try run([
      "bench", "forward", "--tokens", "16", "--repetitions", "1", "--logit-rows", "0",
      "--dtypes", "bf16", "--d-model", "64", "--layers", "1", "--heads", "2", "--mlp", "128",
      "--vocabulary", "64", "--kernels", path.rawValue,
    ])
    #expect(out.status == 0, "\(out.stderr)")
    guard let instruction = GEMMBenchmark.MultiplyAdd(path, .bf16) else {
      #expect(!out.stdout.contains("peak"), "\(out.stdout)")
      return
    }
    #expect(out.stdout.contains("peak multiply-add rate on"), "\(out.stdout)")
    let passes = out.stdout.split(separator: "\n").filter { $0.contains("ms/pass") }
    #expect(passes.count == 2, "\(out.stdout)")  // .safetensors and .umk
    #expect(passes.allSatisfy { $0.contains("of \(instruction.rawValue) peak") }, "\(out.stdout)")
  }
}
