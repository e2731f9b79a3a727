import Foundation
import Testing

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
}
