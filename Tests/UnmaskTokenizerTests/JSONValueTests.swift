import Foundation
import Testing

import UnmaskCore

@testable import UnmaskTokenizer

/// The small JSON parser that reads tokenizer.json: escapes, numbers, errors.
@Suite("JSON parser")
struct JSONValueTests {
  func parse(_ text: String) throws -> JSONNode {
    try JSONNode.parse(Data(text.utf8), file: "t.json")
  }

  @Test("escapes, surrogate pairs and literals")
  func escapes() throws {
    let node = try parse(
      #"{"a\u00e9\ud83d\ude00": [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u0120"]}"#)
    let items = try node.required("aé😀").array()
    #expect(try items[0].int() == 1)
    if case .number(let d) = items[1].value {
      #expect(d == -2500)
    } else {
      Issue.record("not a number")
    }
    #expect(try items[2].bool() == true && items[3].bool() == false)
    #expect(items[4].isNull)
    #expect(try items[5].string() == "x\"\\/\u{8}\u{C}\n\r\t\u{120}")
  }

  @Test("keys stay distinct when canonically equivalent")
  func canonicalKeys() throws {
    let node = try parse("{\"\u{E9}\": 1, \"e\u{301}\": 2}")
    let members = try node.members()
    #expect(members.count == 2)
    #expect(try node.required("e\u{301}").int() == 2)
    #expect(try node.required("\u{E9}").int() == 1)
  }

  @Test(
    "malformed input is an error",
    arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "[1] x", "{\"a\":01x}"])
  func malformed(text: String) {
    #expect(throws: TokenizerError.self) { try parse(text) }
  }
}
