import Testing
import UnmaskCore
@testable import UnmaskSampling

/// WINO's rules on a predictor whose answers can be derived by hand (its reference goldens, on a
/// toy attention model, are in `InfillGoldenTests`).
///
/// `RightNeighbourPredictor`: at position i, token 50 (logit 10) when position i + 1 is masked,
/// token 60 (logit 10) when it holds a token; every other logit 0, so either proposal has
/// p = e^10 / (e^10 + 111) ~= 0.9950, and the other of the two has p ~= 4.5e-5.
/// Derivation: step 0 drafts (wide in) tokens 50 where the right neighbour is masked; once a
/// draft's right neighbour is drafted too, its support (its position hidden alone, everything
/// else visible) is p(50 | right neighbour present) ~= 4.5e-5 < 0.9, so narrow out remasks it at
/// the next step that accepts more than one token; it is redrafted as 60 (and a 60 whose right
/// neighbour was remasked meanwhile is remasked in turn).
@Suite("WINO on a predictor with a derivable verification")
struct WINOTests {
  func run() throws -> (DenoisingResult, [DenoisingStep]) {
    var s = DenoisingSettings()
    s.length = 16
    s.blockLength = 16
    s.steps = 16
    s.maskID = 111
    s.eosID = 100
    s.eotID = 101
    s.strategy = .wino(.init(threshold: 0.6, verifyThreshold: 0.9))
    let recorder = Recorder()
    let result = try Denoiser(model: RightNeighbourPredictor(), settings: s)
      .generate(prompt: [1, 2], observers: [recorder])
    return (result, recorder.steps)
  }

  @Test func narrowOutRemasksDraftsWhoseContextChanged() throws {
    let (result, steps) = try run()
    #expect(!result.canvas.contains(111))
    let remasked = steps.flatMap(\.remasked)
    #expect(!remasked.isEmpty)
    for step in steps {
      for position in step.remasked {
        // Remasked: a draft that disagrees with its right neighbour as it was when verified
        // (50 next to a token, or 60 next to a mask that an earlier remask left).
        #expect(step.canvas[position] == 111)
        let right = (position + 1) % step.canvas.count
        let before = steps[step.index - 1].canvas
        let token = before[position]
        #expect((token == 50 && before[right] != 111) || (token == 60 && before[right] == 111))
      }
    }
    // Wide in never exceeds min(max(int(0.7 M), 5), 20): 11 of the first 16 masks.
    #expect(steps[0].committed.count == 11)
    // Every verification pass is counted: more passes than steps.
    #expect(result.forwardPasses > result.steps)
  }
}

/// Token 50 where the right neighbour is masked, 60 where it holds a token (logit 10 each).
final class RightNeighbourPredictor: MaskPredictor {
  let vocabularySize = 112
  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    var m = Matrix(rows: tokens.count, columns: vocabularySize)
    for i in 0..<tokens.count {
      let right = tokens[(i + 1) % tokens.count]
      m[i, right == 111 ? 50 : 60] = 10
    }
    return m
  }
}
