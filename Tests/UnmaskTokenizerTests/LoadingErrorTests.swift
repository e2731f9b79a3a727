import Foundation
import Testing

@testable import UnmaskTokenizer

/// Bad tokenizer.json files fail with typed errors that name the file and the field.
@Suite("Loading errors")
struct LoadingErrorTests {
  static let minimal: [String: Any] = [
    "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": ["a b"]]
  ]

  func load(_ object: [String: Any]) throws -> Tokenizer {
    try Tokenizer(data: JSONSerialization.data(withJSONObject: object), source: "t.json")
  }

  @Test("a minimal BPE file loads")
  func minimalLoads() throws {
    let t = try load(Self.minimal)
    #expect(t.encode("abab") == [2, 2])
    #expect(t.vocabularySize == 3)
  }

  @Test("malformed JSON")
  func malformed() {
    #expect(throws: TokenizerError.self) {
      try Tokenizer(data: Data("{oops".utf8), source: "t.json")
    }
  }

  @Test("unknown stage types list the supported ones")
  func unknownTypes() throws {
    var object = Self.minimal
    object["normalizer"] = ["type": "Bogus"]
    do {
      _ = try load(object)
      Issue.record("expected an error")
    } catch let error as TokenizerError {
      guard case .unsupportedType(let file, let field, let type, let supported) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(file == "t.json" && field == "normalizer.type" && type == "Bogus")
      #expect(supported.contains("NFC") && supported.contains("Sequence"))
      #expect(error.description.contains("supported: NFC"))
    }
    for key in ["pre_tokenizer", "decoder", "post_processor"] {
      var o = Self.minimal
      o[key] = ["type": "Nope"]
      #expect(throws: TokenizerError.self) { try load(o) }
    }
    var wordPiece = Self.minimal
    wordPiece["model"] = ["type": "WordPiece", "vocab": [:]]
    #expect(
      throws: TokenizerError.unsupportedType(
        file: "t.json", field: "model.type", type: "WordPiece", supported: ["BPE"])
    ) {
      try load(wordPiece)
    }
  }

  @Test("merges that name unknown tokens")
  func badMerges() {
    var object = Self.minimal
    object["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 1], "merges": [["a", "b"]]]
    #expect(
      throws: TokenizerError.mergeUnknownToken(
        file: "t.json", field: "model.merges[0]", token: "ab")
    ) {
      try load(object)
    }
    object["model"] = ["type": "BPE", "vocab": ["a": 0], "merges": ["a z"]]
    #expect(
      throws: TokenizerError.mergeUnknownToken(file: "t.json", field: "model.merges[0]", token: "z")
    ) {
      try load(object)
    }
  }

  @Test("missing and mistyped fields")
  func missingFields() {
    #expect(throws: TokenizerError.missingField(file: "t.json", field: "model")) { try load([:]) }
    var object = Self.minimal
    object["added_tokens"] = [["id": "x", "content": "<s>"]]
    #expect(
      throws: TokenizerError.invalidField(
        file: "t.json", field: "added_tokens[0].id", expected: "an integer")
    ) {
      try load(object)
    }
    object = Self.minimal
    object["pre_tokenizer"] = [
      "type": "Split", "pattern": ["Regex": "(unclosed"], "behavior": "Isolated",
    ]
    #expect(throws: TokenizerError.self) { try load(object) }
  }

  @Test("missing files are reported")
  func missingFile() {
    #expect(throws: TokenizerError.self) {
      try Tokenizer(contentsOf: URL(fileURLWithPath: "/nonexistent/tokenizer.json"))
    }
  }
}
