import Foundation
import Testing
import Unmask
@testable import UnmaskServer

@Suite("Server pieces")
struct ServerPieceTests {
  static func decode(_ ids: [Int32]) -> String { ids.map { "<\($0)>" }.joined() }

  @Test("output is cut at the first EOS or end of turn")
  func cutAtEnd() {
    let out = CompletionOutput.cut(
      generated: [5, 6, 9, 7, 9], endIDs: [9, 8], stop: [], decode: Self.decode)
    #expect(out.tokens == [5, 6])
    #expect(out.text == "<5><6>")
    #expect(out.finishReason == "stop")
    let full = CompletionOutput.cut(generated: [5, 6], endIDs: [9], stop: [], decode: Self.decode)
    #expect(full.finishReason == "length")
    #expect(full.tokens == [5, 6])
  }

  @Test("stop strings cut the text before them and count the tokens reaching them")
  func stopStrings() {
    let out = CompletionOutput.cut(
      generated: [1, 2, 3, 4], endIDs: [], stop: ["<3>", "<2><3"], decode: Self.decode)
    #expect(out.text == "<1>")
    #expect(out.tokens == [1])
    #expect(out.finishReason == "stop")
  }

  @Test("step canvas: runs decoded together, one glyph per mask")
  func canvas() {
    let text = StepEvent.render([1, 2, 0, 3, 0, 0], maskID: 0, decode: Self.decode)
    let m = StepEvent.maskGlyph
    #expect(text == "<1><2>\(m)<3>\(m)\(m)")
  }

  @Test("sampler fields go through the library's overrides, as generate's flags do")
  func samplerFields() throws {
    let json =
      #"{"prompt": "x", "n": 1, "user": "u", "top_k": null, "steps": 8, "block_length": 4, "strategy": "threshold", "threshold": 0.5, "early_stop": true, "alg_temp": 0.2}"#
    let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8))
    let overrides = try SamplerOverrides(body: body)
    #expect(
      Set(overrides.values.keys) == [
        "steps", "block_length", "strategy", "threshold", "stop_when_block_complete", "alg_temp",
      ])
    let s = try overrides.settings(base: ServerFixture.served.session.settings(), length: 16)
    #expect(s.length == 16 && s.blockLength == 4 && s.steps == 8)
    #expect(s.strategy.name == .threshold)
    #expect(s.stopWhenBlockComplete && s.algTemperature == 0.2)
    // A parameter of another strategy is an error naming it.
    let wrong = try SamplerOverrides(body: ["threshold": .number(0.5)])
    #expect(throws: APIError.self) {
      _ = try wrong.settings(base: ServerFixture.served.session.settings(), length: 8)
    }
    #expect(throws: APIError.self) { _ = try SamplerOverrides(body: ["mask_id": .integer(1)]) }
    #expect(throws: APIError.self) { _ = try SamplerOverrides(body: ["preset": .string("x")]) }
  }

  @Test("a set stop flag ends the run after one step")
  func stopFlag() throws {
    let engine = CompletionEngine(served: ServerFixture.served)
    let body = #"{"prompt": "Once", "max_tokens": 8, "steps": 8}"#
    let prepared = try engine.prepare(
      BodyDecoding.decode(CompletionRequest.self, from: Data(body.utf8)))
    let stop = StopFlag()
    stop.set()
    var steps = 0
    let out = try engine.run(prepared, index: 0, stop: stop) { _ in steps += 1 }
    #expect(out.stoppedEarly)
    #expect(steps == 1)
  }

  @Test("a waiting job whose client left is skipped")
  func skippedWhenStopped() async throws {
    let queue = GenerationQueue(capacity: 2)
    let stop = StopFlag()
    stop.set()
    await #expect(throws: CancellationError.self) {
      _ = try await queue.reserve().run(stop: stop) { 1 }
    }
    #expect(queue.pending == 0)
  }
}
