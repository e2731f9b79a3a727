import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Unmask
@testable import UnmaskServer

/// A uniform-state model (DiffusionGemma) served: its step events carry what a step without
/// masks did (accepted in `committed`, re-noised in `remasked`, `changed`, `entropy`, `argmax`),
/// and the completion equals `generate`'s.
@Suite("DiffusionGemma served")
struct DiffusionGemmaStreamTests {
  static let fixture = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/tiny-diffusiongemma").path

  @Test("stream_steps sends the uniform-state fields")
  func streamsUniformStateSteps() async throws {
    let served = try ServedModel.load(Self.fixture)
    let app = Application(
      router: ServeApp.router(served: served, options: ServerFixture.options(), queue: nil))
    try await app.test(.router) { client in
      let body = ServerFixture.body([
        "prompt": [2, 40, 41], "max_tokens": 16, "seed": 3, "stream": true,
        "stream_steps": true,
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        let text = String(buffer: response.body)
        let steps = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: step\n") }
        let events = try steps.map { block in
          try JSONDecoder().decode(
            StepEvent.self, from: Data(block.dropFirst("event: step\ndata: ".count).utf8))
        }
        #expect(!events.isEmpty)
        for event in events {
          let changed = try #require(event.changed)
          let entropy = try #require(event.entropy)
          #expect(entropy.count == 16)
          #expect(entropy.allSatisfy { $0.isFinite && $0 >= 0 })
          #expect(changed.allSatisfy { (0..<16).contains($0) })
          #expect(event.committed.count + event.remasked.count == 16)
          #expect(event.masked == 0)
          #expect(event.argmax != nil)
        }
      }
    }
  }
}
