import Foundation
import Testing

@testable import UnmaskTokenizer

/// The tokenizers and chat templates of the tiny model fixtures, against goldens computed with
/// HF `tokenizers` and `transformers`' `apply_chat_template` by scripts/fixtures/make_model_fixtures.py.
struct ModelFixtureGolden: Decodable {
  struct Encoding: Decodable {
    var text: String
    var ids: [Int32]
    var decoded: String
  }
  struct Chat: Decodable {
    var messages: [[String: String]]
    var add_generation_prompt: Bool
    var text: String
    var ids: [Int32]
  }
  var fixture: String
  var encode: [Encoding]
  var chat_template: [Chat]
}

@Suite("Model fixture tokenizers")
struct ModelFixtureTokenizerTests {
  static let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  func load(_ name: String) throws -> (Tokenizer, ModelFixtureGolden) {
    let golden = try JSONDecoder().decode(
      ModelFixtureGolden.self,
      from: Data(contentsOf: Self.fixtures.appendingPathComponent("golden/tokenizer-\(name).json")))
    let folder = Self.fixtures.appendingPathComponent(golden.fixture)
    let tokenizer = try Tokenizer(
      tokenizerJSON: Data(contentsOf: folder.appendingPathComponent("tokenizer.json")),
      tokenizerConfigJSON: try? Data(
        contentsOf: folder.appendingPathComponent("tokenizer_config.json")))
    return (tokenizer, golden)
  }

  @Test("encode and decode match tokenizers", arguments: ["llada", "dream"])
  func encodings(model: String) throws {
    let (tokenizer, golden) = try load(model)
    for sample in golden.encode {
      #expect(
        tokenizer.encode(sample.text, addSpecialTokens: false) == sample.ids,
        "\(model): \(sample.text.debugDescription)")
      #expect(tokenizer.decode(sample.ids) == sample.decoded)
    }
  }

  @Test("chat template renders as apply_chat_template", arguments: ["llada", "dream"])
  func chatTemplates(model: String) throws {
    let (tokenizer, golden) = try load(model)
    let template = try #require(tokenizer.chatTemplate, "\(model): chat template not recognised")
    for chat in golden.chat_template {
      let messages = chat.messages.map {
        ChatMessage(role: $0["role"] ?? "", content: $0["content"] ?? "")
      }
      let text = template.render(messages, addGenerationPrompt: chat.add_generation_prompt)
      #expect(text == chat.text, "\(model)")
      #expect(tokenizer.encode(text, addSpecialTokens: false) == chat.ids, "\(model)")
    }
  }
}
