import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Unmask
@testable import UnmaskServer

@Suite("OpenAI routes")
struct OpenAIRoutesTests {
  @Test("GET /health and /v1/models name the served model")
  func healthAndModels() async throws {
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      try await client.execute(uri: "/health", method: .get) { response in
        #expect(response.status == .ok)
        #expect(ServerFixture.json(response)["status"] as? String == "ok")
      }
      try await client.execute(uri: "/v1/models", method: .get) { response in
        let data = try #require(ServerFixture.json(response)["data"] as? [[String: Any]])
        #expect(data.first?["id"] as? String == "tiny-llada-trained")
      }
    }
  }

  @Test(
    "completions return generate's tokens cut at EOS, decoded as detokenize",
    arguments: [0, 7] as [UInt64])
  func completionMatchesGenerate(seed: UInt64) async throws {
    let prompt = "Once upon a time"
    let promptIDs = try ServerFixture.encode(prompt)
    let expected = try ServerFixture.reference(prompt: promptIDs, seed: seed)
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "model": "tiny-llada-trained", "prompt": prompt, "max_tokens": 8, "steps": 4,
        "seed": seed, "temperature": 0,
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .ok)
        let json = ServerFixture.json(response)
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == expected.text)
        #expect(
          choice["finish_reason"] as? String == (expected.tokens.count < 8 ? "stop" : "length"))
        let usage = try #require(json["usage"] as? [String: Int])
        #expect(usage["completion_tokens"] == expected.tokens.count)
        #expect(usage["prompt_tokens"] == promptIDs.count)
      }
    }
  }

  @Test("cache is generate's --cache: the same tokens with Fast-dLLM's dual cache")
  func dualCache() async throws {
    let ids: [Int32] = [79, 64, 281]
    let expected = try ServerFixture.reference(
      prompt: ids, overrides: ["cache": .string("dual"), "block_length": .integer(4)])
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "prompt": ids.map(Int.init), "max_tokens": 8, "steps": 4, "block_length": 4,
        "cache": "dual",
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .ok)
        let choice = try #require(
          (ServerFixture.json(response)["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == expected.text)
      }
    }
  }

  @Test("token-id prompts and several prompts give one choice each")
  func tokenPrompts() async throws {
    let ids: [Int32] = [79, 64, 281]
    let expected = try ServerFixture.reference(prompt: ids)
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "prompt": [ids.map(Int.init), ids.map(Int.init)], "max_tokens": 8, "steps": 4,
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        let choices = try #require(ServerFixture.json(response)["choices"] as? [[String: Any]])
        #expect(choices.count == 2)
        #expect(choices.map { $0["index"] as? Int } == [0, 1])
        #expect(choices.allSatisfy { $0["text"] as? String == expected.text })
      }
    }
  }

  @Test("n choices per prompt: choice p * n + j is prompt p run with seed + j")
  func severalChoices() async throws {
    let prompts: [[Int32]] = [[79, 64, 281], [5, 6, 7]]
    let expected = try prompts.flatMap { ids in
      try (0..<3).map {
        try ServerFixture.reference(prompt: ids, seed: UInt64(11 + $0), temperature: 1).text
      }
    }
    // Sampled at temperature 1 the seeds give different texts, so the order is checked.
    #expect(Set(expected).count > 2)
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "prompt": prompts.map { $0.map(Int.init) }, "max_tokens": 8, "steps": 4, "n": 3,
        "seed": 11, "temperature": 1,
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.status == .ok)
        let json = ServerFixture.json(response)
        let choices = try #require(json["choices"] as? [[String: Any]])
        #expect(choices.map { $0["index"] as? Int } == Array(0..<6))
        #expect(choices.map { $0["text"] as? String } == expected)
        // Each prompt's tokens are counted once, as OpenAI counts them.
        #expect((json["usage"] as? [String: Int])?["prompt_tokens"] == 6)
      }
    }
  }

  @Test("chat completions with n give n messages, whole and streamed")
  func chatChoices() async throws {
    let prompt = try ServerFixture.served.session.encodeChat([
      ChatMessage(role: "user", content: "Hello")
    ])
    let expected = try (0..<2).map {
      try ServerFixture.reference(prompt: prompt, seed: UInt64(4 + $0), temperature: 1).text
    }
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      var fields: [String: Any] = [
        "messages": [["role": "user", "content": "Hello"]], "max_tokens": 8, "steps": 4,
        "n": 2, "seed": 4, "temperature": 1,
      ]
      try await client.execute(
        uri: "/v1/chat/completions", method: .post, body: ServerFixture.body(fields)
      ) { response in
        let choices = try #require(ServerFixture.json(response)["choices"] as? [[String: Any]])
        #expect(choices.map { $0["index"] as? Int } == [0, 1])
        #expect(choices.map { ($0["message"] as? [String: String])?["content"] } == expected)
      }
      fields["stream"] = true
      try await client.execute(
        uri: "/v1/chat/completions", method: .post, body: ServerFixture.body(fields)
      ) { response in
        let chunks = String(buffer: response.body).components(separatedBy: "\n\n")
          .filter { $0.hasPrefix("data: {") }
          .compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any]
          }
        let deltas = chunks.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }
        for index in 0..<2 {
          let mine = deltas.filter { $0["index"] as? Int == index }
          let text = mine.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }
          #expect(text.joined() == expected[index])
          #expect(mine.last?["finish_reason"] is String)
        }
      }
    }
  }

  @Test("chat completions render the model's chat template")
  func chat() async throws {
    let messages = [ChatMessage(role: "user", content: "Hello")]
    let prompt = try ServerFixture.served.session.encodeChat(messages)
    let expected = try ServerFixture.reference(prompt: prompt)
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "messages": [["role": "user", "content": "Hello"]], "max_tokens": 8, "steps": 4,
      ])
      try await client.execute(uri: "/v1/chat/completions", method: .post, body: body) {
        response in
        let json = ServerFixture.json(response)
        #expect(json["object"] as? String == "chat.completion")
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        let message = try #require(choice["message"] as? [String: String])
        #expect(message["role"] == "assistant")
        #expect(message["content"] == expected.text)
        #expect((json["usage"] as? [String: Int])?["prompt_tokens"] == prompt.count)
      }
    }
  }

  @Test("stream_steps sends one step event per step, then the chunk and [DONE]")
  func streamSteps() async throws {
    let expected = try ServerFixture.reference(prompt: ServerFixture.encode("Once"))
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "prompt": "Once", "max_tokens": 8, "steps": 4, "stream": true, "stream_steps": true,
        "stream_options": ["include_usage": true],
      ])
      try await client.execute(uri: "/v1/completions", method: .post, body: body) { response in
        #expect(response.headers[.contentType] == "text/event-stream")
        let text = String(buffer: response.body)
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let steps = blocks.filter { $0.hasPrefix("event: step\n") }
        #expect(steps.count == 4)
        let events = try steps.map { block in
          try JSONDecoder().decode(
            StepEvent.self, from: Data(block.dropFirst("event: step\ndata: ".count).utf8))
        }
        #expect(events.map(\.step) == [0, 1, 2, 3])
        #expect(events.map(\.masked) == [6, 4, 2, 0])
        #expect(events[0].canvas.filter { String($0) == StepEvent.maskGlyph }.count == 6)
        #expect(events.flatMap(\.committed).map(\.position).sorted() == Array(0..<8))
        #expect(blocks.last == "data: [DONE]")
        let chunk = try #require(
          blocks.first { $0.hasPrefix("data: {\"choices\":[{") }.map { $0.dropFirst(6) })
        let json = try #require(
          try JSONSerialization.jsonObject(with: Data(chunk.utf8)) as? [String: Any])
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == expected.text)
        #expect(text.contains("\"usage\":{\"completion_tokens\":\(expected.tokens.count)"))
      }
    }
  }

  @Test("a plain stream sends chunks and [DONE] but no step events")
  func plainStream() async throws {
    try await ServerFixture.app(ServerFixture.options()).test(.router) { client in
      let body = ServerFixture.body([
        "messages": [["role": "user", "content": "Hi"]], "max_tokens": 8, "steps": 4,
        "stream": true,
      ])
      try await client.execute(uri: "/v1/chat/completions", method: .post, body: body) {
        response in
        let text = String(buffer: response.body)
        #expect(!text.contains("event: step"))
        #expect(text.contains("\"object\":\"chat.completion.chunk\""))
        #expect(text.contains("\"role\":\"assistant\""))
        #expect(text.hasSuffix("data: [DONE]\n\n"))
      }
    }
  }
}
