import Foundation
import Testing
@testable import UnmaskServer

/// A small, seeded, in-process version of Fuzz/ServeRequestFuzz.swift: mutated request bodies
/// must either decode and prepare, or fail with an `APIError` (400 or 404), never otherwise.
@Suite("Request body mutations")
struct BodyFuzzTests {
  static let seeds = [
    #"{"model": "tiny-llada-trained", "prompt": "Once upon", "max_tokens": 8, "steps": 4, "stop": ["."], "seed": 3}"#,
    #"{"prompt": [[1, 2, 3], [4, 5]], "max_tokens": 16, "block_length": 8, "steps": 4, "strategy": "margin", "stream": true, "stream_steps": true}"#,
    #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}], "max_tokens": 8, "schedule_counts": [4, 4], "steps": 2}"#,
  ]

  /// Deterministic mutations: flip, insert, delete or duplicate bytes.
  static func mutate(_ bytes: [UInt8], state: inout UInt64) -> [UInt8] {
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(truncatingIfNeeded: state >> 33)
    }
    var out = bytes
    for _ in 0..<(1 + next() % 4) {
      guard !out.isEmpty else { break }
      let i = next() % out.count
      switch next() % 4 {
      case 0: out[i] = UInt8(truncatingIfNeeded: next())
      case 1: out.insert(Array("{}[]\",:-0123456789e.tfn".utf8)[next() % 23], at: i)
      case 2: out.remove(at: i)
      default: out.insert(contentsOf: out[i..<min(out.count, i + next() % 16)], at: i)
      }
    }
    return out
  }

  @Test("3000 mutated bodies: decoded and prepared, or an APIError 400/404")
  func mutations() {
    let engine = CompletionEngine(served: ServerFixture.served)
    var state: UInt64 = 42
    var accepted = 0
    var statuses: [Int: Int] = [:]
    for n in 0..<3000 {
      let seed = Self.seeds[n % Self.seeds.count]
      let body = Data(Self.mutate(Array(seed.utf8), state: &state))
      do {
        if seed.contains("messages") {
          _ = try engine.prepare(BodyDecoding.decode(ChatCompletionRequest.self, from: body))
        } else {
          _ = try engine.prepare(BodyDecoding.decode(CompletionRequest.self, from: body))
        }
        accepted += 1
      } catch let error as APIError {
        statuses[error.status, default: 0] += 1
        #expect(error.status == 400 || error.status == 404, "\(error)")
        #expect(!error.message.isEmpty)
      } catch {
        Issue.record("not an APIError: \(error) for \(String(decoding: body, as: UTF8.self))")
      }
    }
    // Both outcomes occur, so the mutations neither always break nor never break the body.
    #expect(accepted > 0)
    #expect(statuses[400, default: 0] > 0)
  }
}
