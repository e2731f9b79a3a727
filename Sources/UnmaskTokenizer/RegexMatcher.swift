import Foundation

/// A regular expression from tokenizer.json, run the way `tokenizers` runs it (Oniguruma,
/// left-to-right non-overlapping `find_iter`).
///
/// The three pre-tokenizer patterns that real byte-level models use (GPT-2, Qwen2, Llama-3) go
/// through `PretokenizerScanner`, a hand-written matcher that the tests check against this
/// class's regex path on every golden text. Everything else goes through `NSRegularExpression`
/// (ICU), whose syntax agrees with Oniguruma's on these patterns except that ICU's `\s` leaves
/// out U+000B and U+0085; the pattern is rewritten to add them back.
final class RegexMatcher: @unchecked Sendable {
  /// The pattern as written in the file.
  let pattern: String
  /// The compiled ICU regex (always built, also when a scanner exists, for the cross-check).
  let regex: NSRegularExpression
  /// The hand-written equivalent, when the pattern is one of the known ones.
  let scanner: PretokenizerScanner?
  /// When false, always use the ICU regex (for cross-checking the scanner in tests).
  var useScanner = true

  /// Compiles `pattern`; `file`/`field` name it in the error when it does not compile.
  init(pattern: String, file: String, field: String) throws {
    self.pattern = pattern
    do {
      regex = try NSRegularExpression(pattern: Self.onigurumaCompatible(pattern), options: [])
    } catch {
      throw TokenizerError.invalidRegex(
        file: file, field: field, pattern: pattern, reason: error.localizedDescription)
    }
    scanner = PretokenizerScanner(pattern: pattern)
  }

  /// UTF-8 byte ranges of the non-overlapping matches, left to right.
  func matchRanges(in text: String) -> [Range<Int>] {
    if useScanner, let scanner { return scanner.matchRanges(in: text) }
    return regexMatchRanges(in: text)
  }

  /// The same through ICU, ignoring the scanner.
  func regexMatchRanges(in text: String) -> [Range<Int>] {
    // ICU reports UTF-16 offsets. Convert them through scalar boundaries by hand:
    // `Range(_:in:)` rounds to grapheme clusters and drops a match like the space of " \u{301}".
    var utf16ToUTF8 = [Int](repeating: 0, count: text.utf16.count + 1)
    var u16 = 0, u8 = 0
    for scalar in text.unicodeScalars {
      let w16 = UTF16.width(scalar)
      for k in 0..<w16 { utf16ToUTF8[u16 + k] = u8 }
      u16 += w16
      u8 += UTF8.width(scalar)
    }
    utf16ToUTF8[u16] = u8
    var result: [Range<Int>] = []
    regex.enumerateMatches(in: text, options: [], range: NSRange(location: 0, length: u16)) {
      match, _, _ in
      guard let match, match.range.location != NSNotFound else { return }
      let lower = utf16ToUTF8[match.range.location]
      let upper = utf16ToUTF8[match.range.location + match.range.length]
      result.append(lower..<upper)
    }
    return result
  }

  /// Rewrites `\s` so that it also matches U+000B and U+0085, as Oniguruma's does; `\S`
  /// outside brackets becomes its complement. Other escapes are copied as they are.
  static func onigurumaCompatible(_ pattern: String) -> String {
    var out = ""
    var inClass = 0
    var iterator = pattern.unicodeScalars.makeIterator()
    while let c = iterator.next() {
      if c == "\\" {
        guard let next = iterator.next() else {
          out.unicodeScalars.append(c)
          break
        }
        if next == "s" {
          out += inClass > 0 ? "\\s\\x{0B}\\x{85}" : "[\\s\\x{0B}\\x{85}]"
        } else if next == "S" && inClass == 0 {
          out += "[^\\s\\x{0B}\\x{85}]"
        } else {
          out.unicodeScalars.append(c)
          out.unicodeScalars.append(next)
        }
        continue
      }
      if c == "[" { inClass += 1 } else if c == "]" && inClass > 0 { inClass -= 1 }
      out.unicodeScalars.append(c)
    }
    return out
  }
}
