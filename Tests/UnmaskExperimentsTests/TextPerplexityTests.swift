import Foundation
import Testing
import Unmask
import UnmaskExperiments

/// `unmask score --text`: windows, the sum of per-window estimates, and bad input.
@Suite struct TextPerplexityTests {
  let tokens: [Int32] = [2, 0, 4, 1, 3, 3, 0]

  func estimator() throws -> LikelihoodEstimator {
    try LikelihoodEstimator(model: ContextPredictor(), maskID: 5, samples: 8, batch: 4)
  }

  @Test(arguments: [
    (7, 3, [3, 3, 1]), (6, 3, [3, 3]), (7, 7, [7]), (7, 100, [7]), (2, 1, [1, 1]),
  ])
  func windowsAreConsecutiveAndCoverEveryToken(count: Int, size: Int, lengths: [Int]) {
    let tokens = (0..<count).map { Int32($0) }
    let windows = TextPerplexity.windows(of: tokens, size: size)
    #expect(windows.map(\.count) == lengths)
    #expect(windows.count == (count + size - 1) / size)
    #expect(windows.flatMap { $0 } == tokens)
  }

  @Test func totalIsTheSumOfPerWindowEstimatesWithTheSameSeedSequence() throws {
    let estimator = try estimator()
    var rng = SeededGenerator(seed: 11)
    var progress: [Int] = []
    let result = try TextPerplexity.measure(
      tokens: tokens, source: "t.txt", window: 3, estimator: estimator, rng: &rng,
      progress: { done, total in
        #expect(total == 3)
        progress.append(done)
      })
    // The same windows, scored directly, one generator consumed in the same order.
    var direct = SeededGenerator(seed: 11)
    let parts = [[2, 0, 4], [1, 3, 3], [0]] as [[Int32]]
    let estimates = try parts.map { try estimator.estimate(prompt: [], answer: $0, rng: &direct) }
    let loglik = estimates.reduce(0) { $0 + $1.loglik }
    #expect(result.windows == 3 && result.tokens == 7 && result.window == 3)
    #expect(result.loglik == loglik)
    #expect(result.stderr == estimates.reduce(0) { $0 + $1.stderr * $1.stderr }.squareRoot())
    #expect(result.nllPerToken == -loglik / 7)
    #expect(result.perplexity == exp(-loglik / 7))
    #expect(result.forwardPasses == estimates.reduce(0) { $0 + $1.forwardPasses })
    #expect(result.samples == 8)
    #expect(progress == [1, 2, 3])
    // The generator ends where the direct run's does: nothing else draws from it.
    #expect(rng.next() == direct.next())
  }

  @Test func jsonHasTheDocumentedKeys() throws {
    var rng = SeededGenerator(seed: 1)
    let result = try TextPerplexity.measure(
      tokens: tokens, source: "t.txt", window: 4, estimator: try estimator(), rng: &rng)
    let object = try #require(
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "text", "tokens", "windows", "loglik", "stderr", "nll_per_token", "perplexity",
        "forward_passes", "window", "samples",
      ])
    #expect(object["text"] as? String == "t.txt" && object["windows"] as? Int == 2)
  }

  @Test func badInputNamesTheSource() throws {
    var rng = SeededGenerator(seed: 1)
    let estimator = try estimator()
    #expect(
      throws: ExperimentError(source: "t.txt", problem: "tokenizes to no tokens; nothing to score")
    ) {
      _ = try TextPerplexity.measure(
        tokens: [], source: "t.txt", window: 3, estimator: estimator, rng: &rng)
    }
    #expect {
      _ = try TextPerplexity.measure(
        tokens: [1, 5], source: "t.txt", window: 3, estimator: estimator, rng: &rng)
    } throws: { ($0 as? ExperimentError)?.source == "t.txt" }
    #expect {
      _ = try TextPerplexity.measure(
        tokens: [1], source: "t.txt", window: 0, estimator: estimator, rng: &rng)
    } throws: { ($0 as? ExperimentError)?.source == "--window" }
  }

  @Test func readTextRejectsEmptyMissingAndNonUTF8Files() throws {
    let empty = try Samples.file("", name: "empty.txt")
    #expect(throws: ExperimentError(source: empty, problem: "is empty; nothing to score")) {
      _ = try TextPerplexity.readText(path: empty)
    }
    #expect { _ = try TextPerplexity.readText(path: empty + ".missing") } throws: {
      ($0 as? ExperimentError)?.source == empty + ".missing"
    }
    let binary = empty + ".bin"
    try Data([0x66, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: binary))
    #expect { _ = try TextPerplexity.readText(path: binary) } throws: {
      ($0 as? ExperimentError)?.source == binary
    }
    #expect(
      try TextPerplexity.readText(path: try Samples.file("In the beginning")) == "In the beginning")
  }
}
