import Foundation
import Testing

@testable import UnmaskTokenizer

/// The public API the rest of Unmask calls: ids, special tokens, loading from bytes.
@Suite("Tokenizer API")
struct TokenizerAPITests {
  @Test("token ↔ id and special token ids")
  func lookups() throws {
    let t = try Fixtures.tokenizer("qwen2")
    let imStart = try #require(t.tokenID("<|im_start|>"))
    #expect(t.token(for: imStart) == "<|im_start|>")
    #expect(t.specialTokenIDs.contains(imStart))
    let custom = try #require(t.tokenID("custom_word"))
    #expect(!t.specialTokenIDs.contains(custom))
    #expect(t.vocabularySize == 1251)
    #expect(t.token(for: -1) == nil && t.token(for: 1_000_000) == nil)
  }

  @Test("loading from bytes equals loading from the folder")
  func fromBytes() throws {
    let url = Fixtures.root.appendingPathComponent("llama3/tokenizer.json")
    let a = try Tokenizer(tokenizerJSON: Data(contentsOf: url), tokenizerConfigJSON: nil)
    let b = try Fixtures.tokenizer("llama3")
    let text = "Hello <|eot_id|> world 12345"
    #expect(a.encode(text) == b.encode(text))
  }

  @Test("encode is safe to call from several threads")
  func concurrentEncode() async throws {
    let t = try Fixtures.tokenizer("gpt2")
    let texts = try Fixtures.golden("gpt2").cases.map(\.text)
    let expected = texts.map { t.encode($0) }
    let results = await withTaskGroup(of: [[Int32]].self) { group in
      for _ in 0..<4 { group.addTask { texts.map { t.encode($0) } } }
      var all: [[[Int32]]] = []
      for await r in group { all.append(r) }
      return all
    }
    for r in results { #expect(r == expected) }
  }
}
