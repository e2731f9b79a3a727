import Foundation
import Testing

@testable import UnmaskTokenizer

/// The hand-written scanner must split exactly as the regex does, on every golden text and on
/// a set of edge cases, for each of the three patterns it replaces.
@Suite("Pre-tokenizer scanner against the regex")
struct PretokenizerScannerTests {
  static let patterns = [
    PretokenizerScanner.gpt2Pattern, PretokenizerScanner.qwen2Pattern,
    PretokenizerScanner.llama3Pattern,
  ]

  static let edgeCases = [
    "", " ", "  ", "a", " a", "  a", "\ta", "\t\ta", "a ", "a  ", "a  b", "a\n\nb", "a \n b",
    " \n", "\n ", "\r\n\r\n", " \r\n x", "x\n \n", "'s", "'S", "'sup", "''s", "'ll'LL'Ll",
    "it'ſ", "1234567", " 123", "a1b2", "١٢٣٤", "!!!\n\n", " !!!\r\n", "?a", " ?a", "\u{0B}a",
    "\u{85}x", "a\u{0B}", "x\u{2028}y", "\u{3000}\u{3000}z", "é\u{301}", " \u{301}", "🇫🇷🇫🇷",
    "👨‍👩‍👧", "x\u{200D}y", "\u{0}\u{1}a",
  ]

  @Test("scanner splits like the regex", arguments: patterns)
  func scannerMatchesRegex(pattern: String) throws {
    let matcher = try RegexMatcher(pattern: pattern, file: "test", field: "pattern")
    #expect(matcher.scanner != nil)
    var texts = Self.edgeCases
    texts += try Fixtures.allTexts()
    var failures = 0
    for text in texts {
      let fast = matcher.matchRanges(in: text)
      let slow = matcher.regexMatchRanges(in: text)
      if fast != slow {
        failures += 1
        if failures <= 3 {
          let show = { (r: [Range<Int>]) in r.map { String(reflecting: String(text.utf8Slice($0))) }
          }
          Issue.record(
            "text \(String(reflecting: text)): scanner \(show(fast)) regex \(show(slow))")
        }
      }
    }
    #expect(failures == 0, "\(failures) of \(texts.count) texts split differently")
  }

  @Test("\\s matches U+000B and U+0085 as in Oniguruma")
  func whitespaceClassIsOniguruma() throws {
    let matcher = try RegexMatcher(pattern: #"\s+"#, file: "test", field: "pattern")
    #expect(matcher.regexMatchRanges(in: "a\u{0B}\u{85}b") == [1..<4])
    let negated = try RegexMatcher(pattern: #"[^\s]+"#, file: "test", field: "pattern")
    #expect(negated.regexMatchRanges(in: "a\u{0B}b") == [0..<1, 2..<3])
  }

  @Test("unknown patterns fall back to the regex")
  func unknownPatternHasNoScanner() throws {
    let matcher = try RegexMatcher(pattern: #"\p{N}+"#, file: "test", field: "pattern")
    #expect(matcher.scanner == nil)
    #expect(matcher.matchRanges(in: "ab12c345") == [2..<4, 5..<8])
  }
}
