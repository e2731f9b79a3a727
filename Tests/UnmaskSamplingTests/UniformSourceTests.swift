import Foundation
import Testing
import UnmaskCore

@testable import UnmaskSampling

/// The random-source seam: `ReplayedDraws` serves a recording in order and says clearly when
/// the run and the recording disagree; `SeededGenerator` draws torch-shaped uniforms.
@Suite struct UniformSourceTests {
  @Test func aStreamServesItsDrawsInOrderAndChecksTheEnd() throws {
    var draws = ReplayedDraws(values: [0.5, 0.25, 0.75, 0.125], precision: .float64)
    #expect(try draws.uniforms(3, precision: .float64) == [0.5, 0.25, 0.75])
    #expect(throws: SamplingError.self) { try draws.finish() }  // one draw left
    #expect(try draws.index(below: 4) == 0)  // floor(0.125 * 4)
    try draws.finish()
    let error = #expect(throws: SamplingError.self) { _ = try draws.uniform(precision: .float64) }
    #expect("\(error!)".contains("ran out"))
  }

  @Test func rowsFixTheSizeOfEveryCallAndThePrecisionIsChecked() throws {
    var rows = ReplayedDraws(
      values: Array(repeating: 0.5, count: 12), precision: .float32, callSize: 6)
    #expect(try rows.uniforms(6, precision: .float32).count == 6)
    let shape = #expect(throws: SamplingError.self) {
      _ = try rows.uniforms(5, precision: .float32)
    }
    #expect("\(shape!)".contains("each recorded call holds 6 draws"))
    let precision = #expect(throws: SamplingError.self) {
      _ = try rows.uniforms(6, precision: .float64)
    }
    #expect("\(precision!)".contains("holds float32 draws; this sampler draws float64"))
  }

  @Test func aNumPyFileGivesItsPrecisionAndRowSize() throws {
    let path = NSTemporaryDirectory() + "replay-\(UUID().uuidString).npy"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try NumPyFile.float32([0.5, 0.25, 0, 0.75, 0.125, 0.625], shape: [2, 3]).write(
      to: URL(fileURLWithPath: path))
    var draws = try ReplayedDraws(contentsOf: path)
    #expect(draws.precision == .float32 && draws.callSize == 3)
    #expect(try draws.uniforms(3, precision: .float32) == [0.5, 0.25, 0])
    try NumPyFile.float32([0.5, 1.5], shape: [2]).write(to: URL(fileURLWithPath: path))
    #expect(throws: SamplingError.self) { _ = try ReplayedDraws(contentsOf: path) }
    #expect(throws: SamplingError.self) { _ = try ReplayedDraws(contentsOf: path + ".missing") }
  }

  @Test func theGeneratorDrawsTorchShapedUniforms() throws {
    var rng = SeededGenerator(seed: 7)
    #expect(!rng.replaysReference)
    for u in try rng.uniforms(1000, precision: .float32) {
      #expect(u >= 0 && u < 1 && (u * 0x1.0p24).rounded() == u * 0x1.0p24)
    }
    let a = try rng.uniforms(4, precision: .float64)
    var again = SeededGenerator(seed: 7)
    _ = try again.uniforms(1000, precision: .float32)
    #expect(try again.uniforms(4, precision: .float64) == a)
  }

  @Test func bfloat16RoundsToNearestEven() {
    #expect(BFloat16Rounding.round(1) == 1)
    #expect(BFloat16Rounding.round(1 + 0x1.0p-8) == 1)  // a tie: to even
    #expect(BFloat16Rounding.round(1 + 0x1.8p-8) == 1 + 0x1.0p-7)
    #expect(BFloat16Rounding.round(-.infinity) == -.infinity)
    // A Python scalar enters `-` as bfloat16: 0.3 rounds to 0.30078125 first.
    #expect(BFloat16Rounding.subtract(0.3, 0) == 0.30078125)
  }

  @Test func theGumbelArgmaxFollowsTorch() {
    let numerics = AncestralNumerics.bd3lm
    // An infinite weight everywhere (the grid's t = 0): the first token wins whatever the draws.
    let row = TransitionRow(
      probabilities: .dense([0.25, 0.5, 0.25, 0]), tokenWeight: .infinity, maskWeight: -.infinity,
      maskColumn: 3)
    #expect(row.gumbelArgmax([0.9, 0.1, 0.2, 0.3], numerics: numerics) == 0)
    #expect(row.inverseCDF(0.7, vocabularySize: 4, numerics: numerics) == 0)
    // A zero probability times infinity is NaN: torch's argmax takes the first NaN.
    let nan = TransitionRow(
      probabilities: .dense([0.5, 0, 0.5, 0]), tokenWeight: .infinity, maskWeight: -.infinity,
      maskColumn: 3)
    #expect(nan.gumbelArgmax([0.9, 0.1, 0.2, 0.3], numerics: numerics) == 1)
  }
}
