import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Unmask
@testable import UnmaskServer

/// Mixture-of-experts models served: a completion equals `generate`'s tokens (LLaDA2 under its
/// block-diffusion preset and exact cache, LLaDA-MoE under LLaDA's).
@Suite("MoE models served")
struct MoEServedTests {
  static func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/\(name)").path
  }

  @Test(arguments: ["tiny-llada-moe", "tiny-llada2"])
  func completionEqualsGenerate(model: String) async throws {
    let served = try ServedModel.load(Self.fixture(model))
    let session = served.session
    let settings = try session.settings(
      preset: nil,
      overrides: ["length": .integer(8), "steps": .integer(4), "temperature": .number(0)])
    let prompt: [Int32] = [5, 6, 7]
    let generated = try session.generate(prompt: prompt, settings: settings).tokens
    let ends = [settings.eosID, settings.eotID].compactMap { $0 }
    let cut = Array(generated.prefix { !ends.contains($0) })
    let text = try session.decode(cut)
    let app = Application(
      router: ServeApp.router(served: served, options: ServerFixture.options(), queue: nil))
    try await app.test(.router) { client in
      let body = ServerFixture.body([
        "prompt": prompt.map(Int.init), "max_tokens": 8, "steps": 4, "temperature": 0,
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .ok)
        let json = ServerFixture.json(response)
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        let usage = try #require(json["usage"] as? [String: Int])
        #expect(usage["prompt_tokens"] == 3)
        #expect(usage["completion_tokens"] == cut.count)
        #expect(choice["text"] as? String == text)
      }
    }
  }
}
