import Foundation
import Testing
import UnmaskSampling
import UnmaskTestSupport
@testable import UnmaskTrace

/// A small hand-made run: 12 positions (4 prompt), 2 blocks of 4, 6 steps, one remask.
///
/// Expected state after each step (P prompt, . masked, R remasked, k committed at step k):
///   step 0: P P P P . 0 0 . . . . .
///   step 1: P P P P 1 R 0 1 . . . .
///   step 2: P P P P 1 2 0 1 . . . .
///   step 3: P P P P 1 2 0 1 3 3 . .
///   step 4: P P P P 1 2 0 1 3 3 4 .
///   step 5: P P P P 1 2 0 1 3 3 4 5
enum TraceFixture {
  static let prompt: [Int32] = [1, 2, 3, 4]
  static let length = 12
  static let mask: Int32 = -7
  /// Commits per step: (position, token).
  static let commits: [[(Int, Int32)]] = [
    [(5, 105), (6, 106)], [(4, 104), (7, 107)], [(5, 115)], [(8, 108), (9, 109)], [(10, 110)],
    [(11, 111)],
  ]
  static let remasks: [[Int]] = [[], [5], [], [], [], []]
  static let expectedState: [[Int32]] = {
    let P = CellState.prompt
    let M = CellState.masked
    let R = CellState.remasked
    return [
      [P, P, P, P, M, 0, 0, M, M, M, M, M],
      [P, P, P, P, 1, R, 0, 1, M, M, M, M],
      [P, P, P, P, 1, 2, 0, 1, M, M, M, M],
      [P, P, P, P, 1, 2, 0, 1, 3, 3, M, M],
      [P, P, P, P, 1, 2, 0, 1, 3, 3, 4, M],
      [P, P, P, P, 1, 2, 0, 1, 3, 3, 4, 5],
    ]
  }()

  /// Confidence of position `p` at step `s` (when masked): p/16 + s/64, exact in Float.
  static func confidence(_ p: Int, _ s: Int) -> Float { Float(p) / 16 + Float(s) / 64 }

  static func tokenText(_ id: Int32) -> String { "t\(id)" }

  /// The step events, in order.
  static func events() -> (start: [Int32], steps: [DenoisingStep], final: [Int32]) {
    var canvas = prompt + [Int32](repeating: mask, count: length - prompt.count)
    let start = canvas
    var steps: [DenoisingStep] = []
    for s in 0..<6 {
      let block = s < 3 ? 0 : 1
      let masked = (0..<length).filter { canvas[$0] == mask }
      var confidence = [Float](repeating: .nan, count: length)
      var entropy = [Float](repeating: .nan, count: length)
      var margin = [Float](repeating: .nan, count: length)
      for p in masked {
        confidence[p] = self.confidence(p, s)
        entropy[p] = Float(p) / 4
        margin[p] = confidence[p] / 2
      }
      let committed = commits[s].map {
        DenoisingStep.Commit(position: $0.0, token: $0.1, score: confidence[$0.0])
      }
      for c in committed { canvas[c.position] = c.token }
      for r in remasks[s] { canvas[r] = mask }
      steps.append(
        DenoisingStep(
          index: s, block: block, stepInBlock: s % 3, time: 1 - Double(s % 3) / 3,
          nextTime: 1 - Double(s % 3 + 1) / 3, promptLength: prompt.count,
          blockRange: block == 0 ? 4..<8 : 8..<12, maskedBefore: masked.count, canvas: canvas,
          committed: committed, remasked: remasks[s], confidence: confidence, margin: margin,
          entropy: entropy, modelSeconds: 0.01))
    }
    return (start, steps, canvas)
  }

  /// Settings as the sampler would pass them.
  struct Settings: Encodable {
    var strategy = "confidence"
    var schedule = "linear"
    var seed = 42
    var steps = 6
  }

  /// Records the fixture into a fresh temporary folder and returns it with the trace.
  static func record(figures: Bool = true) throws -> (URL, Trace) {
    let directory = ScratchFolder.path("trace")
    let recorder = try TraceRecorder(
      directory: directory,
      run: TraceRunInfo(
        model: "tiny-llada", promptTokens: prompt, strategy: "confidence", settings: Settings(),
        tokenText: tokenText))
    recorder.figures.enabled = figures
    let (start, steps, final) = events()
    recorder.denoisingWillStart(canvas: start, promptLength: prompt.count)
    for step in steps { #expect(recorder.denoisingDidFinish(step) == .proceed) }
    recorder.denoisingDidEnd(canvas: final)
    let trace = try recorder.finish(timings: ["load": 1.5])
    return (directory, trace)
  }
}
