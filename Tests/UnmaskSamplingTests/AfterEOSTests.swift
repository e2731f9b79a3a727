import Testing
import UnmaskCore
@testable import UnmaskSampling

/// What a run returns after its first EOS (`AfterEOS`), and which EOS ends a Fast-dLLM v2 run
/// (`Run.endsRun`). The presets are checked end to end against their references in
/// BlockDiffusionPresetTests; these pin the rules on hand-made canvases.
@Suite("After EOS")
struct AfterEOSTests {
  let generated: [Int32] = [7, 8, 100, 9, 100, 10]

  @Test func keepReturnsEverything() {
    for ended in [false, true] {
      #expect(
        AfterEOS.keep.returned(generated, ends: [100], padID: 0, endedByEOS: ended) == generated)
    }
  }

  /// LLaDA2.x's `generated_answer[:, : first_eos + 1]`, whether or not an EOS ended the run.
  @Test func cutEndsWithTheFirstEOS() {
    for ended in [false, true] {
      #expect(
        AfterEOS.cut.returned(generated, ends: [100], padID: nil, endedByEOS: ended) == [
          7, 8, 100,
        ])
    }
    #expect(AfterEOS.cut.returned([7, 8], ends: [100], padID: nil, endedByEOS: false) == [7, 8])
    // Any of the end ids (SDAR's stop ids, `--end-ids`).
    #expect(
      AfterEOS.cut.returned(generated, ends: [9, 100], padID: nil, endedByEOS: false) == [
        7, 8, 100,
      ])
  }

  /// Fast-dLLM v2 pads after the first stop token only in a row that a stop token finished.
  @Test func padOnlyWhenAnEOSEndedTheRun() {
    #expect(
      AfterEOS.pad.returned(generated, ends: [100], padID: 3, endedByEOS: true) == [
        7, 8, 100, 3, 3, 3,
      ])
    #expect(
      AfterEOS.pad.returned(generated, ends: [100], padID: 3, endedByEOS: false) == generated)
    #expect(AfterEOS.pad.returned([7, 8], ends: [100], padID: 3, endedByEOS: true) == [7, 8])
  }

  @Test func padWithoutAPadIDIsRefused() throws {
    var s = DenoisingSettings.preset(.fastDLLMv2)
    try s.validate()
    s.padID = nil
    let error = #expect(throws: SamplingError.self) { try s.validate() }
    #expect("\(error!)".contains("after-eos"))
    // Without an EOS id there is nothing to pad.
    s.eosID = nil
    try s.validate()
  }

  /// A Fast-dLLM v2 run: blocks of 4 on the canvas grid, prompt of 6 (the first block holds
  /// positions 4..<8), stop token 100.
  func run(canvas: [Int32]) throws -> Run {
    var s = DenoisingSettings.preset(.fastDLLMv2)
    s.blockLength = 4
    s.length = 8
    s.eosID = 100
    let model = try ToyPredictor.load()
    return Run(
      settings: s, canvas: canvas, promptLength: 6, vocabularySize: model.vocabularySize,
      strategy: s.makeStrategy(), schedule: s.makeSchedule(), source: PlainLogits(model: model))
  }

  /// `batch_sample`'s `finished`: a stop token its passes committed. The next token at a
  /// block's start is appended from the previous block's last pass, so it does not end the run
  /// (a later block whose passes commit one does, and the padding starts after the first).
  @Test func theNextTokenAtABlockStartDoesNotEndAFastDLLMv2Run() throws {
    let prompt: [Int32] = [1, 2, 3, 4, 5, 6]
    // Block 1 (4..<8): a stop token committed at 7.
    #expect(try run(canvas: prompt + [7, 100, 9, 9, 9, 9, 9]).endsRun(after: 1))
    // A stop token in the prompt does not count.
    #expect(try !run(canvas: [1, 2, 3, 4, 100, 6] + [7, 8, 9, 9, 9, 9, 9]).endsRun(after: 1))
    // Block 2 (8..<12) starts with the next token: a stop token there does not end the run,
    // one committed after it does.
    #expect(try !run(canvas: prompt + [7, 8, 100, 9, 9, 9, 9]).endsRun(after: 2))
    #expect(try run(canvas: prompt + [7, 8, 100, 9, 100, 9, 9]).endsRun(after: 2))
    // Other layouts: any EOS in the generated span so far (LLaDA2).
    var grid = try run(canvas: prompt + [7, 8, 100, 9, 9, 9, 9])
    var s = grid.settings
    s.blockLayout = .canvasGrid
    grid = Run(
      settings: s, canvas: grid.canvas, promptLength: 6, vocabularySize: 4,
      strategy: s.makeStrategy(), schedule: s.makeSchedule(), source: grid.source)
    #expect(grid.endsRun(after: 2))
  }
}
