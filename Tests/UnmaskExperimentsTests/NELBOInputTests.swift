import Foundation
import Testing
import Unmask
import UnmaskExperiments

/// `--t-values`, `--masks FILE`, the presets' choice of bound, and their one-line refusals.
@Suite struct NELBOInputTests {
  @Test func tValuesParseOnePerDrawOrGroupsPerBlock() throws {
    #expect(try NELBODrawInput.parseTimes("0.25, 0.5,1", timesPerDraw: 1) == [[0.25], [0.5], [1]])
    #expect(
      try NELBODrawInput.parseTimes("0.1,0.2;0.3,0.4", timesPerDraw: 2) == [
        [0.1, 0.2], [0.3, 0.4],
      ])
    #expect(try NELBODrawInput.parseTimes("0.1,0.2", timesPerDraw: 2) == [[0.1, 0.2]])
    #expect { _ = try NELBODrawInput.parseTimes("0.1,x", timesPerDraw: 1) } throws: {
      ($0 as? ExperimentError)?.source == "--t-values"
        && ($0 as? ExperimentError)?.problem.contains("'x'") == true
    }
    #expect { _ = try NELBODrawInput.parseTimes("0.1,nan", timesPerDraw: 1) } throws: {
      ($0 as? ExperimentError)?.source == "--t-values"
    }
  }

  @Test func masksFileReadsNumbersOrListsAndRefusesTheRest() throws {
    let path = try Samples.file(
      #"{"t_values": [0.5, [0.25]], "masked_positions": [[0, 2], []]}"#, name: "masks.json")
    let input = try NELBODrawInput.readFile(path: path)
    #expect(input.times == [[0.5], [0.25]] && input.masked == [[0, 2], []])

    let cases: [(String, String)] = [
      (#"[1, 2]"#, "must be an object"),
      (#"{"t_values": [0.5]}"#, "masked_positions"),
      (#"{"t_values": [0.5], "masked_positions": [[0.5]]}"#, "not a list of integer positions"),
      (#"{"t_values": "0.5", "masked_positions": [[]]}"#, "t_values"),
      (#"{"t_values": [[]], "masked_positions": [[]]}"#, "entry 0"),
      (#"{"t_valus": [0.5], "masked_positions": [[]]}"#, "t_valus"),
      (#"{"t_values": [0.5], "masked_positions": [[1]"#, "is not JSON"),
    ]
    for (text, expected) in cases {
      let bad = try Samples.file(text, name: "bad.json")
      #expect {
        _ = try NELBODrawInput.readFile(path: bad)
      } throws: { error in
        let e = error as? ExperimentError
        return e?.source == bad && e?.description.contains(expected) == true
          && e?.description.contains("\n") == false
      }
    }
    #expect { _ = try NELBODrawInput.readFile(path: path + ".missing") } throws: {
      ($0 as? ExperimentError)?.source == path + ".missing"
    }
  }

  @Test func flagAndFileMustAgree() throws {
    let file = NELBODrawInput(times: [[0.5], [0.75]], masked: [[1], [0, 1]])
    #expect(
      try NELBODrawInput.combining(flag: [[0.5], [0.75]], file: file, path: "m.json") == file)
    #expect {
      _ = try NELBODrawInput.combining(flag: [[0.5], [0.7]], file: file, path: "m.json")
    } throws: { ($0 as? ExperimentError)?.description.contains("disagree at draw 1") == true }
    #expect {
      _ = try NELBODrawInput.combining(flag: [[0.5]], file: file, path: "m.json")
    } throws: { ($0 as? ExperimentError)?.source == "--t-values and m.json" }
    // The file without t values takes the flag's; the flag alone leaves the masks to be drawn.
    let untimed = NELBODrawInput(times: nil, masked: [[1]])
    #expect(
      try NELBODrawInput.combining(flag: [[0.5]], file: untimed, path: "m.json")
        == NELBODrawInput(times: [[0.5]], masked: [[1]]))
    #expect(
      try NELBODrawInput.combining(flag: [[0.5]], file: nil, path: nil)
        == NELBODrawInput(times: [[0.5]], masked: nil))
  }

  @Test func drawsAreCheckedAgainstTheBound() throws {
    let mdlm = MDLMBound(model: ContextPredictor(), maskID: 5)
    let tokens: [Int32] = [1, 2, 3]
    func refused(_ draws: [NELBODraw], _ expected: String) {
      #expect {
        _ = try mdlm.estimate(tokens: tokens, draws: draws, source: "m.json")
      } throws: { error in
        let e = error as? ExperimentError
        return e?.source == "m.json" && e?.problem.contains(expected) == true
      }
    }
    refused([NELBODraw(times: [0.5], masked: [3])], "outside the sequence")
    refused([NELBODraw(times: [1.5], masked: [0])], "outside")
    refused([NELBODraw(times: [0.0001], masked: [0])], "outside 0.001...1")
    refused([NELBODraw(times: [0.5, 0.5], masked: [0])], "needs 1")
    refused([NELBODraw(times: [0.5], masked: [1, 1])], "twice")
    refused([], "no draws")
    #expect {
      _ = try mdlm.estimate(
        tokens: [1, 5], draws: [NELBODraw(times: [0.5], masked: [0])], source: "s")
    } throws: { ($0 as? ExperimentError)?.problem.contains("mask token") == true }

    let input = NELBODrawInput(times: [[0.5], [0.9]], masked: [[0]])
    var rng = SeededGenerator(seed: 1)
    #expect {
      _ = try input.draws(bound: mdlm, length: 3, rng: &rng, source: "m.json")
    } throws: { ($0 as? ExperimentError)?.problem.contains("one per t") == true }
    // Times alone: the masks are drawn at them, reproducibly.
    var a = SeededGenerator(seed: 7)
    var b = SeededGenerator(seed: 7)
    let timed = NELBODrawInput(times: [[0.3], [0.99]], masked: nil)
    let x = try timed.draws(bound: mdlm, length: 3, rng: &a, source: "--t-values")
    #expect(x == (try timed.draws(bound: mdlm, length: 3, rng: &b, source: "--t-values")))
    #expect(x.map(\.times) == [[0.3], [0.99]])
  }

  @Test func bd3lmRefusesMaskingTheFirstPositionUnderIgnoreBOS() throws {
    let model = try DiTFixtures.bd3lm()
    let bound = BD3LMBound(model: model, maskID: 199)
    let tokens: [Int32] = [1, 2, 3, 4, 5]
    #expect {
      _ = try bound.estimate(
        tokens: tokens, draws: [NELBODraw(times: [0.5, 0.5], masked: [0, 1])], source: "m.json")
    } throws: { ($0 as? ExperimentError)?.problem.contains("ignore_bos") == true }
    let counted = BD3LMBound(model: model, maskID: 199, ignoresFirstToken: false)
    let e = try counted.estimate(
      tokens: tokens, draws: [NELBODraw(times: [0.5, 0.5], masked: [0, 1])], source: "m.json")
    #expect(e.countedTokens == 5 && e.mean > 0)
    var rng = SeededGenerator(seed: 1)
    #expect {
      _ = try bound.estimate(tokens: [7], samples: 2, batch: 2, rng: &rng, source: "--tokens")
    } throws: { ($0 as? ExperimentError)?.problem.contains("none is scored") == true }
  }

  @Test func presetsPickTheModelsOwnBoundAndRefuseAnotherFamilys() throws {
    let mdlm = try DiTFixtures.model("tiny-mdlm")
    let bd3lm = try DiTFixtures.model("tiny-bd3lm")
    let llada = try DiTFixtures.model("tiny-llada")
    #expect(ScoreBound.default(for: mdlm) == .mdlm)
    #expect(ScoreBound.default(for: bd3lm) == .bd3lm)
    #expect(ScoreBound.default(for: llada) == .llada)
    #expect(try ScoreBound.mdlm.diffusionBound(model: mdlm, maskID: 199)?.kind == .mdlm)
    #expect(try ScoreBound.bd3lm.diffusionBound(model: bd3lm, maskID: 199)?.kind == .bd3lm)
    #expect(try ScoreBound.llada.diffusionBound(model: mdlm, maskID: 199) == nil)
    for (bound, model, own) in [
      (ScoreBound.mdlm, llada, "llada"), (.mdlm, bd3lm, "bd3lm"), (.bd3lm, mdlm, "mdlm"),
      (.bd3lm, llada, "llada"),
    ] {
      #expect {
        _ = try bound.diffusionBound(model: model, maskID: 1)
      } throws: { error in
        let e = error as? ExperimentError
        print(e?.description ?? "")
        return e?.source == "--preset \(bound.rawValue)"
          && e?.problem.contains("--preset \(own)") == true
      }
    }
    #expect {
      _ = try ScoreBound.mdlm.diffusionBound(model: mdlm, maskID: 199, ignoresFirstToken: true)
    } throws: { ($0 as? ExperimentError)?.source == "--ignore-bos" }
    // An id past the checkpoint's vocabulary (a tokenizer may name more tokens than the model
    // has rows) is refused where a sequence uses it.
    let bound = try #require(
      try ScoreBound.mdlm.diffusionBound(model: mdlm, maskID: 199, ignoresFirstToken: nil))
    #expect {
      try bound.checkSequence([5, 250, 6], source: "m")
    } throws: { ($0 as? ExperimentError)?.problem.contains("id 250") == true }
    try bound.checkSequence([5, 198, 6], source: "m")
  }
}
