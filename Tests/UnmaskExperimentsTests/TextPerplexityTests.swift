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
        "text", "bound", "tokens", "scored_tokens", "windows", "loglik", "stderr",
        "nll_per_token", "bits_per_token", "perplexity", "unit", "forward_passes", "window",
        "samples",
      ])
    #expect(object["text"] as? String == "t.txt" && object["windows"] as? Int == 2)
    #expect(object["bound"] as? String == "llada" && object["scored_tokens"] as? Int == 7)
    #expect(object["unit"] as? String == "nats per token")
  }

  /// A NELBO scores each window over its own draws; BD3-LM's `ignore_bos` leaves each
  /// window's first token out of the count, so a one-token last window adds nothing.
  @Test func nelboWindowsAddUpOverTheScoredTokens() throws {
    let bound = BD3LMBound(
      model: try DiTFixtures.bd3lm(["time_conditioning": false]), maskID: 199)
    let scorer = try NELBOTextScorer(nelbo: bound, samples: 4, batch: 2)
    let tokens: [Int32] = [5, 9, 17, 3, 90, 120, 8, 44, 61, 2, 13]
    var rng = SeededGenerator(seed: 3)
    let result = try TextPerplexity.measure(
      tokens: tokens, source: "t.txt", window: 5, estimator: scorer, rng: &rng)
    #expect(result.bound == .bd3lm && result.windows == 3)
    #expect(result.scoredTokens == 4 + 4 + 0)
    var direct = SeededGenerator(seed: 3)
    var loglik = 0.0
    for part in [Array(tokens[0..<5]), Array(tokens[5..<10])] {
      let e = try bound.estimate(tokens: part, samples: 4, batch: 2, rng: &direct, source: "w")
      loglik += -e.mean * 4
    }
    #expect(abs(result.loglik - loglik) <= 1e-12 * abs(loglik))
    #expect(abs(result.nllPerToken + loglik / 8) <= 1e-12 * abs(loglik))
    #expect(abs(result.bitsPerToken - result.nllPerToken / log(2)) < 1e-12)
    #expect(result.perplexity == exp(result.nllPerToken))
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
