import Foundation
import Testing

@testable import UnmaskTokenizer

/// Compares encode/decode with the outputs of Hugging Face `tokenizers` recorded in each
/// fixture's golden.json; reports the first mismatching text with context.
@Suite("Golden encodings from HF tokenizers")
struct GoldenEncodingTests {
  @Test("fixtures are present")
  func fixturesPresent() {
    #expect(Fixtures.names.count >= 12, "fixtures missing under \(Fixtures.root.path)")
  }

  @Test("encode(text) matches tokenizers' encode(text).ids", arguments: Fixtures.names)
  func encodeWithSpecialTokens(name: String) throws {
    let tokenizer = try Fixtures.tokenizer(name)
    var failures = 0
    for c in try Fixtures.golden(name).cases {
      let got = tokenizer.encode(c.text)
      if got != c.ids {
        failures += 1
        if failures <= 3 {
          Issue.record(
            "\(name): text \(String(reflecting: c.text)): \(Fixtures.firstMismatch(got, c.ids, tokenizer))"
          )
        }
      }
    }
    #expect(failures == 0, "\(name): \(failures) texts differ")
  }

  @Test("encode(text, addSpecialTokens: false) matches", arguments: Fixtures.names)
  func encodeWithoutSpecialTokens(name: String) throws {
    let tokenizer = try Fixtures.tokenizer(name)
    var failures = 0
    for c in try Fixtures.golden(name).cases {
      let got = tokenizer.encode(c.text, addSpecialTokens: false)
      if got != c.ids_no_special {
        failures += 1
        if failures <= 3 {
          Issue.record(
            "\(name): text \(String(reflecting: c.text)): \(Fixtures.firstMismatch(got, c.ids_no_special, tokenizer))"
          )
        }
      }
    }
    #expect(failures == 0, "\(name): \(failures) texts differ")
  }

  @Test(
    "decode matches tokenizers' decode, with and without skipping specials",
    arguments: Fixtures.names)
  func decode(name: String) throws {
    let tokenizer = try Fixtures.tokenizer(name)
    var failures = 0
    for c in try Fixtures.golden(name).cases {
      let plain = tokenizer.decode(c.ids)
      let skipped = tokenizer.decode(c.ids, skipSpecialTokens: true)
      if plain.utf8.elementsEqual(c.decoded.utf8)
        && skipped.utf8.elementsEqual(c.decoded_skip_special.utf8)
      {
        continue
      }
      failures += 1
      if failures <= 3 {
        let got = "\(String(reflecting: plain)) / \(String(reflecting: skipped))"
        let want =
          "\(String(reflecting: c.decoded)) / \(String(reflecting: c.decoded_skip_special))"
        Issue.record("\(name): ids \(c.ids): got \(got), want \(want)")
      }
    }
    #expect(failures == 0, "\(name): \(failures) decodes differ")
  }
}
