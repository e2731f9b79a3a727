import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import UnmaskServer

@Suite("Error statuses")
struct ErrorStatusTests {
  /// Bodies that must get 400 before anything runs, with the field they name.
  static let badBodies: [(String, String?)] = [
    (#"{"prompt": "x", "max_tokens": 0}"#, "max_tokens"),
    (#"{"prompt": "x", "max_tokens": 5000}"#, "max_tokens"),
    (#"{"prompt": "x", "max_tokens": 8, "block_length": 3}"#, "block_length"),
    (#"{"prompt": "x", "strategy": "bogus"}"#, "strategy"),
    (#"{"prompt": "x", "temperature": "hot"}"#, "temperature"),
    (#"{"prompt": "x", "top_p": 0}"#, "top_p"),
    (#"{"prompt": "x", "n": 0}"#, "n"),
    (#"{"prompt": "x", "n": 17}"#, "n"),
    (#"{"prompt": ["x", "y"], "n": 9}"#, "n"),
    (#"{"prompt": [1, -4]}"#, "prompt"),
    (#"{"prompt": [508]}"#, "prompt"),
    (#"{"prompt": {"a": 1}}"#, "prompt"),
    (#"{"max_tokens": 8}"#, "prompt"),
    (#"{"prompt": "x", "stream_steps": true}"#, "stream_steps"),
    (#"{"prompt": "x", "echo": true}"#, "echo"),
    (#"{"prompt": "x", "seed": -1}"#, "seed"),
    (#"{"prompt": "x", "max_tokens": 8, "threshold": 0.5}"#, "threshold"),
    (#"{"prompt": "x", "max_tokens": 8, "steps": 64}"#, "steps"),
    (#"{"prompt": "x""#, nil),
    ("", nil),
    ("[]", nil),
  ]

  @Test("400 with an OpenAI error naming the field", arguments: badBodies.indices)
  func badRequest(index: Int) async throws {
    let (text, param) = Self.badBodies[index]
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      try await client.execute(
        uri: "/v1/completions", method: .post, body: ByteBuffer(string: text)
      ) { response in
        #expect(response.status == .badRequest, "\(text)")
        let error = ServerFixture.error(response)
        #expect(error["type"] as? String == "invalid_request_error")
        #expect(error["param"] as? String == param, "\(text)")
        #expect((error["message"] as? String)?.isEmpty == false)
      }
    }
  }

  @Test("prompt plus max_tokens beyond the context: 400 context_length_exceeded")
  func contextLength() async throws {
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body(["prompt": [1, 2, 3], "max_tokens": 4094])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .badRequest)
        #expect(ServerFixture.error(response)["code"] as? String == "context_length_exceeded")
      }
    }
  }

  @Test("chat without messages or with non-text parts: 400")
  func badChat() async throws {
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      for text in [
        #"{"messages": []}"#, #"{"messages": [{"role": "user"}]}"#,
        #"{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#,
      ] {
        try await client.execute(
          uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: text)
        ) { response in
          #expect(response.status == .badRequest, "\(text)")
          #expect(ServerFixture.error(response)["param"] as? String != nil)
        }
      }
    }
  }

  @Test("401 without the API key or with a wrong one; /health stays open")
  func unauthorized() async throws {
    let app = ServerFixture.app(ServerFixture.options(apiKey: "sekrit"))
    try await app.test(.router) { client in
      for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"]] {
        try await client.execute(uri: "/v1/models", method: .get, headers: headers) {
          response in
          #expect(response.status == .unauthorized)
          #expect(ServerFixture.error(response)["type"] as? String == "authentication_error")
        }
      }
      try await client.execute(
        uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sekrit"]
      ) { response in
        #expect(response.status == .ok)
      }
      try await client.execute(uri: "/health", method: .get) { response in
        #expect(response.status == .ok)
      }
    }
  }

  @Test("404 for an unknown route and an unknown model, as JSON")
  func notFound() async throws {
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      try await client.execute(uri: "/v1/nothing", method: .get) { response in
        #expect(response.status == .notFound)
        #expect(ServerFixture.error(response)["code"] as? String == "not_found")
      }
      let body = ServerFixture.body(["model": "gpt-4", "prompt": "x", "max_tokens": 8])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .notFound)
        let error = ServerFixture.error(response)
        #expect(error["code"] as? String == "model_not_found")
        #expect(error["param"] as? String == "model")
      }
      try await client.execute(uri: "/v1/models/gpt-4", method: .get) { response in
        #expect(response.status == .notFound)
      }
    }
  }

  @Test("413 for a body over the limit")
  func tooLarge() async throws {
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let prompt = String(repeating: "a", count: 70 * 1024)
      let body = ServerFixture.body(["prompt": prompt])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .contentTooLarge)
        #expect(ServerFixture.error(response)["code"] as? String == "request_too_large")
      }
    }
  }

  @Test("429 with Retry-After when the queue is full")
  func queueFull() async throws {
    let queue = GenerationQueue(capacity: 1)
    // One running and one waiting: the queue is full.
    var held: [GenerationQueue.Ticket]? = [try queue.reserve(), try queue.reserve()]
    #expect(held?.count == 2)
    try await ServerFixture.app(ServerFixture.options(), queue: queue).test(.router) { client in
      let body = ServerFixture.body(["prompt": "x", "max_tokens": 8, "steps": 4])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .tooManyRequests)
        #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
        #expect(ServerFixture.error(response)["code"] as? String == "queue_full")
      }
    }
    #expect(queue.pending == 2)
    held = nil  // unused tickets give their places back
    #expect(queue.pending == 0)
  }
}
