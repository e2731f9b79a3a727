import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Unmask
@testable import UnmaskServer

@Suite("Trace routes")
struct TraceRoutesTests {
  /// A traces folder with one real run, recorded from the tiny model.
  static func makeTraces() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-serve-traces-\(UUID().uuidString)")
    let session = ServerFixture.served.session
    let settings = try session.settings(
      preset: nil, overrides: ["length": .integer(8), "steps": .integer(4)])
    let prompt = try session.encode("Once")
    let recorder = try TraceRecorder(
      directory: root.appendingPathComponent("20260101-000000-confidence"),
      run: TraceRunInfo(
        model: "tiny", promptTokens: prompt, strategy: "confidence", settings: settings,
        tokenText: session.tokenText))
    recorder.figures.enabled = false
    _ = try session.generate(prompt: prompt, settings: settings, observers: [recorder])
    _ = try recorder.finish(timings: [:])
    // A folder that is not a trace, and a file outside the root's children.
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("not-a-trace"), withIntermediateDirectories: true)
    return root
  }

  @Test("list, viewer page, compare; traversal and unknown names get 404")
  func routes() async throws {
    let root = try Self.makeTraces()
    defer { try? FileManager.default.removeItem(at: root) }
    let app = ServerFixture.app(ServerFixture.options(traces: root))
    try await app.test(.router) { client in
      try await client.execute(uri: "/traces/", method: .get) { response in
        let html = String(buffer: response.body)
        #expect(response.status == .ok)
        #expect(html.contains("/traces/20260101-000000-confidence/"))
        #expect(!html.contains("not-a-trace"))
      }
      for uri in ["/traces/20260101-000000-confidence/", "/traces/20260101-000000-confidence"] {
        try await client.execute(uri: uri, method: .get) { response in
          #expect(response.status == .ok, "\(uri)")
          #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
          #expect(String(buffer: response.body).contains("id=\"trace-data\""))
        }
      }
      let pair = "a=20260101-000000-confidence&b=20260101-000000-confidence"
      try await client.execute(uri: "/traces/compare?\(pair)", method: .get) { response in
        #expect(response.status == .ok)
      }
      for uri in [
        "/traces/..", "/traces/%2E%2E", "/traces/..%2F..%2Fetc", "/traces/not-a-trace",
        "/traces/.hidden", "/traces/compare?a=..&b=x", "/traces/../../etc/passwd",
      ] {
        try await client.execute(uri: uri, method: .get) { response in
          #expect(response.status == .notFound, "\(uri)")
        }
      }
    }
  }
}
