import Foundation

/// A pattern that cuts text into matched and unmatched spans, as `tokenizers`' `Pattern` trait
/// does: a literal string, a regular expression, or a character predicate (used by `Digits`).
///
/// Spans are UTF-8 byte ranges that cover the whole text in order; `isMatch` tells which spans
/// the pattern matched.
enum SplitPattern: Sendable {
  /// A literal string (tokenizer.json `{"String": ...}`); matched byte for byte.
  case literal([UInt8])
  /// A regular expression (tokenizer.json `{"Regex": ...}`).
  case regex(RegexMatcher)
  /// Each scalar for which the predicate holds is one match.
  case scalar(@Sendable (Unicode.Scalar) -> Bool)

  /// Reads `{"String": "..."}` or `{"Regex": "..."}`.
  init(_ node: JSONNode) throws {
    if let s = node["String"] {
      self = .literal(Array(try s.string().utf8))
    } else if let r = node["Regex"] {
      self = .regex(try RegexMatcher(pattern: r.string(), file: r.file, field: r.path))
    } else {
      throw node.invalid("{\"String\": ...} or {\"Regex\": ...}")
    }
  }

  /// The spans of `text`: `(byte range, isMatch)`, covering the text. Empty text gives one
  /// empty unmatched span, as in `tokenizers`.
  func matches(in text: String) -> [(Range<Int>, Bool)] {
    let count = text.utf8.count
    if count == 0 { return [(0..<0, false)] }
    var found: [Range<Int>]
    switch self {
    case .literal(let needle):
      if needle.isEmpty { return [(0..<count, false)] }
      found = Self.literalMatches(needle, in: text)
    case .regex(let matcher):
      found = matcher.matchRanges(in: text)
    case .scalar(let predicate):
      found = []
      var offset = 0
      for scalar in text.unicodeScalars {
        let width = UTF8.width(scalar)
        if predicate(scalar) { found.append(offset..<(offset + width)) }
        offset += width
      }
    }
    var spans: [(Range<Int>, Bool)] = []
    spans.reserveCapacity(found.count * 2 + 1)
    var previous = 0
    for range in found {
      if previous != range.lowerBound { spans.append((previous..<range.lowerBound, false)) }
      spans.append((range, true))
      previous = range.upperBound
    }
    if previous != count { spans.append((previous..<count, false)) }
    return spans
  }

  /// Non-overlapping, left-to-right occurrences of `needle` in the UTF-8 of `text`.
  private static func literalMatches(_ needle: [UInt8], in text: String) -> [Range<Int>] {
    var text = text
    return text.withUTF8 { haystack in
      var result: [Range<Int>] = []
      let n = haystack.count, m = needle.count
      var i = 0
      while i + m <= n {
        var j = 0
        while j < m && haystack[i + j] == needle[j] { j += 1 }
        if j == m {
          result.append(i..<(i + m))
          i += m
        } else {
          i += 1
        }
      }
      return result
    }
  }
}

/// What `Split` does with the matched spans (tokenizers' `SplitDelimiterBehavior`).
enum SplitBehavior: String, CaseIterable, Sendable {
  /// Matches are dropped.
  case removed = "Removed"
  /// Matches become pieces of their own.
  case isolated = "Isolated"
  /// Each match is glued to the piece before it.
  case mergedWithPrevious = "MergedWithPrevious"
  /// Each match is glued to the piece after it.
  case mergedWithNext = "MergedWithNext"
  /// Runs of matches (and runs of non-matches) become single pieces.
  case contiguous = "Contiguous"

  /// Turns the spans of `SplitPattern.matches` into the byte ranges of the pieces, following
  /// `NormalizedString::split` in `tokenizers`. Empty pieces are dropped, as
  /// `PreTokenizedString::split` does.
  func pieces(_ spans: [(Range<Int>, Bool)]) -> [Range<Int>] {
    var out: [(Range<Int>, Bool)] = []  // (range, remove)
    out.reserveCapacity(spans.count)
    switch self {
    case .isolated:
      out = spans.map { ($0.0, false) }
    case .removed:
      out = spans
    case .contiguous:
      var previousMatch = false
      for (range, isMatch) in spans {
        if isMatch == previousMatch, let last = out.last {
          out[out.count - 1] = (last.0.lowerBound..<range.upperBound, false)
        } else {
          out.append((range, false))
        }
        previousMatch = isMatch
      }
    case .mergedWithPrevious:
      var previousMatch = false
      for (range, isMatch) in spans {
        if isMatch && !previousMatch, let last = out.last {
          out[out.count - 1] = (last.0.lowerBound..<range.upperBound, false)
        } else {
          out.append((range, false))
        }
        previousMatch = isMatch
      }
    case .mergedWithNext:
      var previousMatch = false
      for (range, isMatch) in spans.reversed() {
        if isMatch && !previousMatch, let last = out.last {
          out[out.count - 1] = (range.lowerBound..<last.0.upperBound, false)
        } else {
          out.append((range, false))
        }
        previousMatch = isMatch
      }
      out.reverse()
    }
    return out.compactMap { $0.1 || $0.0.isEmpty ? nil : $0.0 }
  }
}

extension String {
  /// The substring between two UTF-8 byte offsets (which must fall on scalar boundaries).
  func utf8Slice(_ range: Range<Int>) -> Substring {
    let lower = utf8.index(startIndex, offsetBy: range.lowerBound)
    let upper = utf8.index(lower, offsetBy: range.count)
    return self[lower..<upper]
  }
}
