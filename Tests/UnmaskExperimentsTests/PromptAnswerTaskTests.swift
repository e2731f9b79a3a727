import Foundation
import Testing
import Unmask
import UnmaskExperiments

@Suite struct PromptAnswerTaskTests {
  func task(_ pattern: String?) throws -> PromptAnswerTask {
    PromptAnswerTask(
      items: [.init(prompt: "q", answer: "The answer is\n#### 42")],
      encode: { _ in [1, 2] }, decode: { _ in "" },
      answerPattern: try pattern.map(PromptAnswerTask.pattern))
  }

  @Test func regexTakesTheFirstGroup() throws {
    let t = try task("#### *(-?[0-9.,]+)")
    #expect(t.extract("so #### 42 done") == "42")
    #expect(t.extract("no marker") == nil)
    #expect(try task(nil).extract(" x ") == " x ")
  }

  @Test func badRegexNamesTheFlag() {
    #expect(throws: ExperimentError.self) { _ = try PromptAnswerTask.pattern("(") }
  }

  @Test func judgesExactMatchAfterExtraction() throws {
    let canned = PromptAnswerTask(
      items: [.init(prompt: "q", answer: "#### 42"), .init(prompt: "r", answer: "7")],
      encode: { _ in [1, 2] }, decode: { ids in ids.first == 5 ? "work... #### 42" : " 7\n" },
      answerPattern: nil)
    let result = DenoisingResult(
      canvas: [], generated: [5], forwardPasses: 1, steps: 1, seconds: 0, stoppedEarly: false)
    #expect(try !canned.judge(0, result: result).correct)  // exact match: whole output differs
    var withRegex = canned
    withRegex.answerPattern = try PromptAnswerTask.pattern("#### *([0-9]+)")
    #expect(try withRegex.judge(0, result: result).correct)
    let other = DenoisingResult(
      canvas: [], generated: [6], forwardPasses: 1, steps: 1, seconds: 0, stoppedEarly: false)
    #expect(try canned.judge(1, result: other).correct)  // whitespace trimmed
  }

  @Test func missingFieldNamesLineAndField() throws {
    let path = try Samples.file("{\"prompt\": \"a\", \"answer\": \"b\"}\n{\"prompt\": \"a\"}\n")
    #expect(throws: ExperimentError(source: path, line: 2, field: "answer", problem: "missing")) {
      _ = try PromptAnswerTask.readJSONL(path: path)
    }
  }

  @Test func preparesPromptThenMasks() throws {
    var base = DenoisingSettings.preset(.llada)
    base.maskID = 9
    base.length = 4
    base.blockLength = 4
    base.steps = 4
    let item = try task(nil).prepare(0, base: base)
    #expect(item.canvas == [1, 2, 9, 9, 9, 9] && item.promptLength == 2)
  }
}
