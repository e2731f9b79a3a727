import Foundation
import Testing
import UnmaskCore
@testable import UnmaskSampling

/// A predictor that honours `LogitRows` as a restricted pass does: only the rows asked for, so
/// a step that read another position's row would trap. It records what each pass asked for.
final class RowRestrictingPredictor: MaskPredictor {
  let base: MaskPredictor
  private(set) var requests: [LogitRows] = []
  var vocabularySize: Int { base.vocabularySize }
  init(_ base: MaskPredictor) { self.base = base }

  func logits(for request: ForwardRequest) throws -> [Matrix] {
    requests += request.canvases.map(\.rows)
    return try request.computingWholeCanvases { try base.logits(for: $0) }
  }
}

@Suite("Steps ask only for the logit rows their strategy reads")
struct LogitRowsSamplingTests {
  /// Every sampler golden, with only the rows a step asks for: same tokens, same passes. A
  /// strategy that claims `.candidates` but reads another row would fail here.
  @Test(arguments: try GoldenCase.all())
  func goldensHoldWithOnlyTheRowsAskedFor(_ golden: GoldenCase) throws {
    let toy = try ToyPredictor.load(dreamShift: golden.dream_shift, scale: golden.scale)
    let model = RowRestrictingPredictor(toy)
    let result = try Denoiser(model: model, settings: golden.settings).generate(
      prompt: golden.prompt)
    #expect(result.generated == golden.generated)
    #expect(result.forwardPasses == golden.forward_passes)
  }

  /// Counting strategies ask for the masked positions up to the block's end, nothing else.
  @Test func confidenceAsksForTheBlocksMasks() throws {
    var settings = DenoisingSettings.preset(.llada)
    settings.length = 8
    settings.steps = 4
    settings.blockLength = 4
    settings.maskID = try ToyPredictor.load().maskID
    let model = RowRestrictingPredictor(try ToyPredictor.load())
    let prompt: [Int32] = [1, 2, 3]
    let result = try Denoiser(model: model, settings: settings).generate(prompt: prompt)
    #expect(model.requests.count == result.forwardPasses)
    // Two tokens per step; the second block's masks are not asked for during the first block.
    #expect(model.requests.count == 4)
    #expect(model.requests.first == .positions([3, 4, 5, 6]))
    #expect(model.requests.dropFirst(2).first == .positions([7, 8, 9, 10]))
    for (step, request) in model.requests.enumerated() {
      guard case .positions(let rows) = request else {
        Issue.record("confidence asked for every row at step \(step)")
        continue
      }
      let block = step < 2 ? 3..<7 : 7..<11
      #expect(rows.count == (step % 2 == 0 ? 4 : 2) && rows.allSatisfy(block.contains))
    }
    // With the restriction off, every pass asks for every row.
    let all = RowRestrictingPredictor(try ToyPredictor.load())
    let denoiser = try Denoiser(model: all, settings: settings)
    denoiser.restrictsLogitRows = false
    #expect(try denoiser.generate(prompt: prompt).generated == result.generated)
    #expect(all.requests.allSatisfy { $0 == .all })
  }

  /// Strategies that read committed positions, positions beyond the block or whole
  /// distributions ask for every row; so does a strategy that does not say (the default).
  @Test(arguments: [StrategyName.wino, .remdm, .klass])
  func strategiesThatReadOtherRowsGetAll(_ name: StrategyName) throws {
    #expect(Strategy.defaults(name).make(settings: .preset(.llada)).readsLogitRows == .all)
  }

  @Test func aStrategyThatDoesNotSayGetsAll() {
    struct Silent: RemaskingStrategy {
      var name: StrategyName { .confidence }
      mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
        -> [ScoredPosition]
      { [] }
    }
    #expect(Silent().readsLogitRows == .all)
  }

  /// Every strategy's claim, listed: a new strategy must be added here on purpose.
  @Test func everyStrategysClaim() {
    let candidates: Set<StrategyName> = [
      .confidence, .margin, .entropy, .random, .origin, .threshold, .dreamThreshold, .factor,
      .entropyBounded, .pcSampler, .dus, .subBlockThreshold,
    ]
    // The block's rows: token editing reads them all, SDAR's rules may rewrite any of them.
    let block: Set<StrategyName> = [
      .tokenEditing, .lowConfidenceStatic, .lowConfidenceDynamic, .sequential,
    ]
    for name in StrategyName.allCases {
      let use = Strategy.defaults(name).make(settings: .preset(.llada)).readsLogitRows
      let expected: LogitRowUse =
        candidates.contains(name) ? .candidates : block.contains(name) ? .block : .all
      #expect(use == expected, "\(name)")
    }
  }
}
