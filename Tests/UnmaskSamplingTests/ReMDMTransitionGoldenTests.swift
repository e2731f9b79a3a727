import Foundation
import Testing
import UnmaskCore

@testable import UnmaskSampling

/// ReMDM's step weights against the reference's own `q_xs`, captured where its
/// `_ddpm_caching_update` hands them to `_sample_categorical` (Tests/Fixtures/golden/
/// remdm-transitions.json, scripts/fixtures/make_kuleshov_sampler_goldens.py): every branch,
/// exactly, bfloat16 confidences included; and remdm-conf's confidences after the step.
@Suite struct ReMDMTransitionGoldenTests {
  struct Golden: Decodable {
    struct Case: Decodable {
      var sampler: String
      var eta: Double
      var t_on: Double?
      var t_off: Double?
      var alpha_on: Double?
      var t: Double
      var steps: Int
      var canvas: [Int32]
      var p_x0: [[Double]]
      var confidence: [Float?]
      var q: [[Double]]
      var drawn: [Int32]
      var confidence_after: [Float?]?
    }
    var vocabulary: Int
    var mask_id: Int32
    var cases: [Case]
  }

  static func load() throws -> Golden {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures/golden/remdm-transitions.json")
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }

  @Test func weightsEqualTheReferenceQ() throws {
    let golden = try Self.load()
    let v = golden.vocabulary
    #expect(golden.cases.count == 20)
    var rowsCompared = 0
    for c in golden.cases {
      var parameters = ReMDMParameters()
      parameters.schedule = try #require(
        ReMDMSchedule(rawValue: String(c.sampler.dropFirst("remdm-".count))))
      parameters.eta = c.eta
      parameters.loopStart = c.t_on ?? parameters.loopStart
      parameters.loopEnd = c.t_off ?? parameters.loopEnd
      parameters.alphaOn = c.alpha_on ?? parameters.alphaOn
      var transition = ReMDMTransition(parameters: parameters, canvasLength: c.canvas.count)
      transition.confidence = c.confidence.map { $0 ?? -.infinity }
      let w = transition.weights(
        t: Float(c.t), dt: Float(1 / Double(c.steps)), canvas: c.canvas, maskID: golden.mask_id,
        fixed: c.canvas.map { _ in false })
      for (i, token) in c.canvas.enumerated() {
        let row: TransitionRow
        if token == golden.mask_id {
          row = TransitionRow(
            probabilities: .dense(c.p_x0[i]), tokenWeight: w.masked.token,
            maskWeight: w.masked.mask, maskColumn: Int(golden.mask_id))
        } else if let kept = w.kept(i) {
          row = TransitionRow(
            probabilities: .oneHot(Int(token)), tokenWeight: kept.token, maskWeight: kept.mask,
            maskColumn: Int(golden.mask_id))
        } else {
          continue  // the loop's MDLM phase copies tokens; their q is never read
        }
        let q = row.weights(vocabularySize: v, numerics: .remdm)
        #expect(q == c.q[i], "\(c.sampler) t \(c.t) position \(i)")
        rowsCompared += 1
      }
      if let after = c.confidence_after {
        transition.update(before: c.canvas, after: c.drawn, maskID: golden.mask_id) {
          c.p_x0[$0][Int(c.drawn[$0])]
        }
        #expect(transition.confidence == after.map { $0 ?? -.infinity }, "conf t \(c.t)")
      }
    }
    print("ReMDM transitions: \(rowsCompared) rows equal to the reference's q_xs")
  }
}
