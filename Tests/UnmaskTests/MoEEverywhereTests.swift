import Foundation
import Testing
import Unmask

/// The mixture-of-experts models through every command a dense model goes through: every
/// strategy and schedule, the caches, batches, infilling, score, eval and bench (tracing:
/// GenerateCommandTests; serving: the server's tests).
@Suite("MoE models everywhere")
struct MoEEverywhereTests {
  static let models = ["tiny-llada-moe", "tiny-llada2"]

  func generate(_ model: String, _ flags: [String]) throws -> (
    status: Int32, report: [String: Any]?, stderr: String
  ) {
    let r = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model(model), "--prompt-tokens", "5,6,7", "--json"] + flags)
    let report = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    return (r.status, report, r.stderr)
  }

  /// LLaDA-MoE runs every strategy; LLaDA2's block-diffusion preset runs each or refuses it in
  /// one line (a strategy that needs something the canvas grid does not have).
  @Test(arguments: models)
  func everyStrategyRunsOrIsRefusedInOneLine(model: String) throws {
    var ran = 0
    for strategy in StrategyName.allCases {
      let r = try generate(
        model, ["--strategy", strategy.rawValue, "--length", "8", "--steps", "4"])
      if r.status == 0 {
        ran += 1
        // LLaDA2's preset returns the tokens up to their first EOS, as its generate() does.
        let tokens = (r.report?["tokens"] as? [Int]) ?? []
        let eos = (r.report?["settings"] as? [String: Any])?["eos_id"] as? Int
        let cutAtEOS = model == "tiny-llada2" && tokens.count < 8 && tokens.last == eos
        #expect(tokens.count == 8 || cutAtEOS, "\(model) \(strategy): \(tokens)")
        #expect(tokens.dropLast().allSatisfy { $0 != eos } || model != "tiny-llada2")
      } else {
        #expect(model == "tiny-llada2", "\(model) \(strategy): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(model) \(strategy): \(r.stderr)")
      }
    }
    #expect(ran >= StrategyName.allCases.count / 2, "\(model): \(ran) strategies ran")
  }

  @Test func everyScheduleRuns() throws {
    for schedule in ScheduleName.allCases where schedule != .explicit {
      let r = try generate(
        "tiny-llada-moe", ["--schedule", schedule.rawValue, "--length", "8", "--steps", "4"])
      #expect(r.status == 0, "\(schedule): \(r.stderr)")
    }
  }

  /// Fast-dLLM's caches on LLaDA-MoE; LLaDA2's exact cache gives the tokens of no cache.
  @Test func cachesRun() throws {
    for cache in ["prefix", "dual"] {
      let r = try generate(
        "tiny-llada-moe",
        ["--cache", cache, "--length", "8", "--block-length", "4", "--steps", "4"])
      #expect(r.status == 0, "\(cache): \(r.stderr)")
    }
    let flags = ["--length", "12", "--block-length", "4", "--steps", "4"]
    let exact = try generate("tiny-llada2", flags + ["--cache", "exact"])
    let none = try generate("tiny-llada2", flags + ["--cache", "none"])
    let tokens = try #require(exact.report?["tokens"] as? [Int])
    #expect(tokens == none.report?["tokens"] as? [Int])
  }

  @Test(arguments: models)
  func batchesAndInfillingRun(model: String) throws {
    let file = Fixtures.temporary("\(model)-prompts.jsonl")
    defer { try? FileManager.default.removeItem(atPath: file) }
    try "{\"prompt_tokens\": [5, 6]}\n{\"prompt_tokens\": [9, 10, 11]}\n"
      .write(toFile: file, atomically: true, encoding: .utf8)
    let batch = try UnmaskTool.run([
      "generate", "--model", Fixtures.model(model), "--prompts", file, "--batch", "2",
      "--length", "8", "--steps", "4",
    ])
    #expect(batch.status == 0, "\(batch.stderr)")
    #expect(batch.stdout.split(separator: "\n").count == 2)
    let infill = try generate(model, ["--suffix-tokens", "20,21", "--length", "8", "--steps", "4"])
    #expect(infill.status == 0, "\(infill.stderr)")
    let canvas = try #require(infill.report?["canvas"] as? [Int])
    // The suffix follows the 3 prompt and 8 generated tokens (on LLaDA2's canvas grid the
    // canvas goes on to the end of its block, as the reference's output does).
    #expect(Array(canvas[11..<13]) == [20, 21])
  }

  @Test(arguments: models)
  func scoreEvalAndBenchRun(model: String) throws {
    let score = try UnmaskTool.run([
      "score", "--model", Fixtures.model(model), "--prompt-tokens", "5,6",
      "--answer-tokens", "7,8,9", "--mc", "4", "--batch", "4", "--json",
    ])
    #expect(score.status == 0, "\(score.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Any]
    #expect((object?["loglik"] as? Double)?.isFinite == true)

    let data = Fixtures.temporary("\(model)-eval.jsonl")
    defer { try? FileManager.default.removeItem(atPath: data) }
    try "{\"prompt\": \"a b\", \"answer\": \"c\"}\n{\"prompt\": \"d\", \"answer\": \"e\"}\n"
      .write(toFile: data, atomically: true, encoding: .utf8)
    let eval = try UnmaskTool.run([
      "eval", "--model", Fixtures.model(model), "--task", "jsonl", "--data", data, "--length", "4",
      "--steps", "4", "--json", "--quiet",
    ])
    #expect(eval.status == 0, "\(eval.stderr)")

    let bench = try UnmaskTool.run([
      "bench", "forward", "--model", Fixtures.model(model), "--tokens", "16", "--repetitions", "1",
      "--kernels", KernelPath.best == .blas ? "scalar" : KernelPath.best.rawValue,
    ])
    #expect(bench.status == 0, "\(bench.stderr)")
    #expect(bench.stdout.contains("ms/pass"))
  }
}
