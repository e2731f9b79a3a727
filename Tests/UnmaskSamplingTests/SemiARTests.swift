import Foundation
import Testing
import UnmaskCore

@testable import UnmaskSampling

/// BD3-LM's semi-autoregressive sampler beyond the replay goldens (KuleshovReplayGoldenTests,
/// which hold canvases too short for its stopping rule): `_check_stop_conds` against the
/// reference function's own answers, `var_length` runs, and the segments of bd3lms' MDLM
/// branch.
@Suite struct SemiARTests {
  struct StopGolden: Decodable {
    struct Outcome: Decodable {
      var stop: Bool
      var kept: Int
    }
    struct Case: Decodable {
      var tokens: [Int32]
      var entropy: Float
      var fixed_length: Outcome
      var var_length: Outcome
    }
    var eos_id: Int32
    var cases: [Case]
  }

  /// bd3lms' `_check_stop_conds` on 48 canvases of 257 and 300 tokens (entropies 3.6 to 4.8,
  /// 0 to 3 EOS), with and without `var_length`
  /// (scripts/fixtures/make_kuleshov_sampler_goldens.py, `stop_conditions`).
  @Test func stopConditionsEqualTheReference() throws {
    let url = Fixtures.directory.deletingLastPathComponent()
      .appendingPathComponent("golden/semi-ar-stop-conditions.json")
    let golden = try JSONDecoder().decode(StopGolden.self, from: Data(contentsOf: url))
    #expect(golden.cases.count == 48)
    for (i, c) in golden.cases.enumerated() {
      let canvas = c.tokens[...]
      #expect(abs(SemiARStop.entropy(canvas.suffix(256)) - c.entropy) < 1e-5, "case \(i)")
      for (variableLength, expected) in [(false, c.fixed_length), (true, c.var_length)] {
        let got = SemiARStop.check(canvas, eosID: golden.eos_id, variableLength: variableLength)
        let want: SemiARStop =
          !expected.stop ? .goOn : variableLength ? .end(expected.kept) : .reject
        #expect(got == want, "case \(i), var_length \(variableLength)")
      }
    }
    // Every outcome occurs: going on, rejected, cut after an EOS, cut by low entropy.
    let cuts = golden.cases.filter(\.var_length.stop)
    #expect(cuts.contains { $0.var_length.kept == $0.tokens.count - 256 })
    #expect(cuts.contains { $0.var_length.kept != $0.tokens.count - 256 })
    #expect(golden.cases.contains { $0.fixed_length.stop })
    #expect(golden.cases.contains { !$0.var_length.stop })
  }

  /// A block-causal toy model whose every row is uniform over 199 tokens (mask id 199): its
  /// samples have entropy near 5, and the EOS (3) comes about once in 199 tokens.
  static func uniformBlockCausal(block: Int) -> AncestralTransitionTests.FixedLogits {
    AncestralTransitionTests.FixedLogits(
      [Float](repeating: 0, count: 200), mask: .blockCausal(blockLength: block))
  }

  static func settings(length: Int, variableLength: Bool) throws -> DenoisingSettings {
    var s = try #require(DenoisingSettings.ancestralPreset(.bd3lm))
    s.maskID = 199
    s.eosID = 3
    s.length = length
    s.blockLength = 4
    s.cache = .none
    s.topP = nil
    s.variableLength = variableLength
    return s
  }

  /// `var_length`: the run ends after the first block past 256 tokens whose canvas holds a
  /// second EOS, cut after it; the tokens before are the run without `var_length`'s, drawn
  /// from the same seed.
  @Test(arguments: [3, 8, 21] as [UInt64])
  func variableLengthEndsAfterTheSecondEOS(seed: UInt64) throws {
    let model = Self.uniformBlockCausal(block: 4)
    let prompt: [Int32] = [3]  // BD3-LM's BOS: GPT-2's EOS
    let length = 399
    func run(_ variableLength: Bool) throws -> [Int32] {
      let denoiser = try Denoiser(
        model: model, settings: try Self.settings(length: length, variableLength: variableLength))
      var draws: any UniformSource = SeededGenerator(seed: seed)
      return try denoiser.generate(
        canvas: prompt + [Int32](repeating: 199, count: length), promptLength: 1, draws: &draws
      ).canvas
    }
    let whole = try run(false)
    #expect(whole.count == 400 && !whole.contains(199))
    // Where the rule says the run ends: the first block end past 256 with two EOS before it.
    let eos = whole.indices.filter { whole[$0] == 3 }
    let end = try #require(
      stride(from: 260, through: 400, by: 4).first { e in eos.filter { $0 < e }.count >= 2 })
    let cut = try run(true)
    #expect(cut == Array(whole.prefix(eos[1] + 1)), "block end \(end)")
    #expect(cut.count < whole.count)
  }

  /// The lengths of the canvases a model is asked for.
  final class WindowRecorder: MaskPredictor {
    let inner: AncestralTransitionTests.FixedLogits
    var lengths: [Int] = []
    init(_ inner: AncestralTransitionTests.FixedLogits) { self.inner = inner }
    var vocabularySize: Int { inner.vocabularySize }
    var attentionMask: AttentionMask { inner.attentionMask }
    func logits(for request: ForwardRequest) throws -> [Matrix] {
      lengths += request.canvases.map(\.tokens.count)
      return try inner.logits(for: request)
    }
  }

  /// Past 1024 positions BD3-LM's sampler (without its cache) reads the last 1024 up to each
  /// block's end, as the reference's `fwd_idx` does: one pass per block of the grid's single
  /// step, none longer than 1024.
  @Test func longCanvasesAreReadInWindowsOf1024() throws {
    let model = WindowRecorder(Self.uniformBlockCausal(block: 4))
    var settings = try Self.settings(length: 1099, variableLength: false)
    settings.firstHitting = false
    settings.steps = 1
    var draws: any UniformSource = SeededGenerator(seed: 2)
    let result = try Denoiser(model: model, settings: settings).generate(
      canvas: [3] + [Int32](repeating: 199, count: 1099), promptLength: 1, draws: &draws)
    #expect(result.canvas.count == 1100 && !result.canvas.contains(199))
    #expect(model.lengths.count == 275)
    #expect(model.lengths.max() == 1024 && model.lengths.last == 1024 && model.lengths[9] == 40)
  }

  /// Without `var_length` a low-entropy sample is drawn again, and the tenth rejection is a
  /// one-line error; with it, the run ends 256 tokens before the block's end.
  @Test func lowEntropyRejectsOrCuts() throws {
    // Six tokens (entropy at most log 6 = 1.8): every sample past 256 tokens is degenerate.
    let model = AncestralTransitionTests.FixedLogits(
      [0, 0, 0, 0, 0, 0], mask: .blockCausal(blockLength: 4))
    func run(_ variableLength: Bool) throws -> [Int32] {
      var settings = try Self.settings(length: 299, variableLength: variableLength)
      settings.maskID = 5
      settings.eosID = 9  // never drawn
      var draws: any UniformSource = SeededGenerator(seed: 1)
      return try Denoiser(model: model, settings: settings).generate(
        canvas: [0] + [Int32](repeating: 5, count: 299), promptLength: 1, draws: &draws
      ).canvas
    }
    let error = #expect(throws: SamplingError.self) { try run(false) }
    #expect("\(error!)".contains("rejected 10 samples"))
    #expect(try run(true).count == 260 - 256)
    // A cut inside the prompt leaves no generated token (and no out-of-range slice).
    var settings = try Self.settings(length: 290, variableLength: true)
    (settings.maskID, settings.eosID) = (5, 9)
    var draws: any UniformSource = SeededGenerator(seed: 1)
    let result = try Denoiser(model: model, settings: settings).generate(
      canvas: [Int32](repeating: 0, count: 10) + [Int32](repeating: 5, count: 290),
      promptLength: 10, draws: &draws)
    #expect(result.canvas == [0, 0, 0, 0] && result.generated.isEmpty)
  }

  /// bd3lms' MDLM branch: one window over a canvas that fits the block, else a first window
  /// of the block and strides of 512 new positions, each read with the block's last 512.
  @Test func mdlmSegmentsSlideInStridesOf512() throws {
    let one = try SemiARSegment.layout(
      canvas: 300, blockLength: 1024, blockCausal: false, contextSize: 1024)
    #expect(one == [SemiARSegment(fresh: 0..<300, window: 0..<300, update: 0..<300)])
    let sliding = try SemiARSegment.layout(
      canvas: 2048, blockLength: 1024, blockCausal: false, contextSize: 1024)
    #expect(sliding.map(\.fresh) == [0..<1024, 1024..<1536, 1536..<2048])
    #expect(sliding.map(\.window) == [0..<1024, 512..<1536, 1024..<2048])
    #expect(sliding.map(\.update) == sliding.map(\.window))
    // BD3-LM: blocks from 0, the last padded, each read with at most 1024 positions.
    let blocks = try SemiARSegment.layout(
      canvas: 1030, blockLength: 16, blockCausal: true, contextSize: 1024)
    #expect(blocks.count == 65 && blocks.last!.update == 1024..<1040)
    #expect(blocks.last!.window == 16..<1040 && blocks[3].window == 0..<64)
    // What the reference cannot run is refused, naming the flag.
    for (canvas, block) in [(2048, 256), (1800, 1024), (2048, 2048)] {
      let error = #expect(throws: SamplingError.self) {
        try SemiARSegment.layout(
          canvas: canvas, blockLength: block, blockCausal: false, contextSize: 1024)
      }
      #expect("\(error!)".contains("block-length") || "\(error!)".contains("length"))
    }
  }
}
