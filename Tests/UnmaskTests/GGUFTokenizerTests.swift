import Foundation
import Testing
import Unmask

/// The tokenizer rebuilt from a GGUF's `tokenizer.ggml.*` metadata (`GGUFTokenizer`) encodes
/// and decodes as the tokenizer.json it was converted from.
@Suite struct GGUFTokenizerTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

  struct Golden: Decodable {
    struct Case: Decodable {
      var text: String
      var ids: [Int32]
      var ids_no_special: [Int32]
    }
    var cases: [Case]
  }

  /// The texts of every gguf-* golden (llama.cpp's tokenizer test vectors).
  static func goldenTexts() throws -> [String] {
    try ["gguf-gpt-2", "gguf-qwen2", "gguf-llama-bpe"].flatMap { name in
      try JSONDecoder().decode(
        Golden.self,
        from: Data(contentsOf: fixtures.appendingPathComponent("tokenizers/\(name)/golden.json"))
      ).cases.map(\.text)
    } + ["<|mdm_mask|> and <|eot_id|>", "Hello, wörld! 12345\n\tÆ 漢字 🙂"]
  }

  static func tokenizer(_ bundle: ModelBundle, _ source: String) throws -> Tokenizer {
    try Tokenizer(
      tokenizerJSON: #require(bundle.tokenizerJSON),
      tokenizerConfigJSON: bundle.tokenizerConfigJSON, source: source)
  }

  /// tiny-llada (`llama-bpe`), tiny-dream (`qwen2`, NFC) and tiny-llada-moe: same ids without
  /// special tokens, same text back; with them, the GGUF's `add_bos_token` decides the BOS.
  @Test(arguments: ["tiny-llada", "tiny-dream", "tiny-llada-moe"])
  func fixtureTokenizersMatchTheirTokenizerJSON(fixture: String) throws {
    let gguf = try ModelBundle.open(
      Self.fixtures.appendingPathComponent("gguf/\(fixture)-f32.gguf"))
    let ours = try Self.tokenizer(gguf, fixture + ".gguf")
    let reference = try Tokenizer(contentsOf: Self.fixtures.appendingPathComponent(fixture))
    #expect(ours.vocabularySize >= reference.vocabularySize)
    for text in try Self.goldenTexts() {
      let ids = reference.encode(text, addSpecialTokens: false)
      #expect(
        ours.encode(text, addSpecialTokens: false) == ids, "\(fixture): \(text.debugDescription)")
      #expect(ours.decode(ids) == reference.decode(ids))
      #expect(
        ours.decode(ids, skipSpecialTokens: true) == reference.decode(ids, skipSpecialTokens: true))
    }
    // conversion/llada.py sets add_bos_token for LLaDA, as LLaDA-8B's tokenizer adds <|startoftext|>.
    let withSpecial = ours.encode("Hi", addSpecialTokens: true)
    if fixture == "tiny-llada" {
      #expect(
        withSpecial.first == 400
          && withSpecial.dropFirst() == ours.encode("Hi", addSpecialTokens: false)[...])
    } else {
      #expect(withSpecial == ours.encode("Hi", addSpecialTokens: false))
    }
    #expect(ours.chatTemplate != nil || reference.chatTemplate == nil)
  }

  /// llama.cpp's own vocab GGUFs (`models/ggml-vocab-{gpt-2,qwen2,llama-bpe}.gguf`, not
  /// committed: set UNMASK_LLAMACPP_MODELS to that folder) against the goldens rebuilt from
  /// them, with and without special tokens. An opt-in check of the GGUF tokenizer path on
  /// real vocabularies (15 MB, not in the repository): the committed GGUF fixtures cover the
  /// same path in every run, so CI does not count its absence as a skip.
  @Test(
    .enabled(if: ProcessInfo.processInfo.environment["UNMASK_LLAMACPP_MODELS"] != nil),
    arguments: ["gpt-2", "qwen2", "llama-bpe"])
  func llamaCppVocabularies(name: String) throws {
    let folder = try #require(ProcessInfo.processInfo.environment["UNMASK_LLAMACPP_MODELS"])
    let file = try GGUFFile(
      url: URL(fileURLWithPath: folder).appendingPathComponent("ggml-vocab-\(name).gguf"))
    let rebuilt = try GGUFTokenizer(file: file)
    let ours = try Tokenizer(
      tokenizerJSON: rebuilt.tokenizerJSON, tokenizerConfigJSON: nil, source: name)
    let golden = try JSONDecoder().decode(
      Golden.self,
      from: Data(
        contentsOf: Self.fixtures.appendingPathComponent("tokenizers/gguf-\(name)/golden.json")))
    for c in golden.cases {
      #expect(
        ours.encode(c.text, addSpecialTokens: false) == c.ids_no_special,
        "\(name): \(c.text.debugDescription)")
      #expect(
        ours.encode(c.text) == c.ids, "\(name) with special tokens: \(c.text.debugDescription)")
    }
  }

  /// A GGUF without tokenizer metadata is refused, naming the way out; `--tokenizer` is it.
  @Test func aGGUFWithoutATokenizerNeedsOneGiven() throws {
    var bytes = try Data(
      contentsOf: Self.fixtures.appendingPathComponent("gguf/tiny-llada-f32.gguf"))
    // Rename the key `tokenizer.ggml.model` in place (same length): the metadata is gone.
    let key = Data("tokenizer.ggml.model".utf8)
    let range = try #require(bytes.range(of: key))
    bytes.replaceSubrange(range, with: Data("tokenizer.ggml.m0del".utf8))
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-notok-\(UUID().uuidString).gguf")
    try bytes.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect {
      _ = try ModelSession.open(url.path)
    } throws: {
      "\($0)".contains("no tokenizer metadata in this GGUF; give one with --tokenizer PATH")
    }
    let session = try ModelSession.open(
      url.path, tokenizer: Self.fixtures.appendingPathComponent("tiny-llada"))
    #expect(session.specialTokens.mask == 444)
    #expect(try session.encode("In the beginning").count > 0)
  }
}
