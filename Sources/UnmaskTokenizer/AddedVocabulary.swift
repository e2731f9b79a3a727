/// One entry of tokenizer.json's `added_tokens`.
public struct AddedToken: Sendable, Equatable {
  /// The token's id.
  public let id: Int32
  /// The literal text the token stands for.
  public let content: String
  /// Only match when not glued to a letter or digit on either side.
  public let singleWord: Bool
  /// Swallow the whitespace to the left of a match.
  public let lstrip: Bool
  /// Swallow the whitespace to the right of a match.
  public let rstrip: Bool
  /// Match against normalized text (true) or against the raw input (false).
  public let normalized: Bool
  /// A special token (skipped by `decode(skipSpecialTokens: true)`).
  public let special: Bool
}

/// A piece of input after the added-token split: either text for the normalizer, the
/// pre-tokenizer and the model, or an added token already resolved to its id.
enum Segment {
  case text(Substring)
  case token(Int32)
}

/// Finds added tokens in text as `tokenizers`' `AddedVocabulary::find_matches` does:
/// leftmost-longest non-overlapping matches (Aho-Corasick `LeftmostLongest`), then drops
/// `single_word` tokens glued to a letter or digit, and widens `lstrip`/`rstrip` tokens over
/// neighbouring whitespace.
struct AddedTokenMatcher: Sendable {
  private let tokens: [AddedToken]
  /// Byte trie: `children[node]` maps a byte to the next node; `terminal[node]` is the index
  /// in `tokens` of the pattern ending there, or -1.
  private var children: [[UInt8: Int32]] = [[:]]
  private var terminal: [Int32] = [-1]
  private var firstBytes = [Bool](repeating: false, count: 256)

  /// A matcher for `tokens`, matching each one's `pattern(token)` text.
  init(tokens: [AddedToken], pattern: (AddedToken) -> String) {
    self.tokens = tokens
    for (index, token) in tokens.enumerated() {
      let bytes = Array(pattern(token).utf8)
      guard let first = bytes.first else { continue }
      firstBytes[Int(first)] = true
      var node = 0
      for b in bytes {
        if let child = children[node][b] {
          node = Int(child)
        } else {
          children.append([:])
          terminal.append(-1)
          children[node][b] = Int32(children.count - 1)
          node = children.count - 1
        }
      }
      if terminal[node] < 0 { terminal[node] = Int32(index) }
    }
  }

  /// True when no token can match.
  var isEmpty: Bool { children[0].isEmpty }

  /// Splits `text` into text segments and added-token segments, in order. Empty text
  /// segments are left out.
  func split(_ text: Substring, into output: inout [Segment]) {
    if isEmpty {
      if !text.isEmpty { output.append(.text(text)) }
      return
    }
    let bytes = Array(text.utf8)
    let base = text.utf8.startIndex
    func slice(_ a: Int, _ b: Int) -> Substring {
      let lower = text.utf8.index(base, offsetBy: a)
      return text[lower..<text.utf8.index(lower, offsetBy: b - a)]
    }
    var startOffset = 0
    var i = 0
    let n = bytes.count
    while i < n {
      guard firstBytes[Int(bytes[i])], let (index, end) = longestMatch(bytes, at: i) else {
        i += 1
        continue
      }
      let token = tokens[index]
      var start = i
      var stop = end
      i = end
      if token.singleWord {
        let before = start == 0 ? nil : lastScalar(bytes, before: start)
        let after = stop == n ? nil : firstScalar(bytes, at: stop)
        if before?.isHFWordCharacter == true || after?.isHFWordCharacter == true { continue }
      }
      if token.lstrip {
        var s = start
        while s > 0, let scalar = lastScalar(bytes, before: s), scalar.isHFWhitespace {
          s -= UTF8.width(scalar)
        }
        start = max(s, startOffset)
      }
      if token.rstrip {
        while stop < n, let scalar = firstScalar(bytes, at: stop), scalar.isHFWhitespace {
          stop += UTF8.width(scalar)
        }
      }
      if startOffset < start { output.append(.text(slice(startOffset, start))) }
      output.append(.token(token.id))
      startOffset = stop
    }
    if startOffset < n { output.append(.text(slice(startOffset, n))) }
  }

  /// The longest pattern starting at `i`: (token index, end offset).
  private func longestMatch(_ bytes: [UInt8], at i: Int) -> (Int, Int)? {
    var node = 0
    var best: (Int, Int)?
    var j = i
    while j < bytes.count, let child = children[node][bytes[j]] {
      node = Int(child)
      j += 1
      if terminal[node] >= 0 { best = (Int(terminal[node]), j) }
    }
    return best
  }

  private func firstScalar(_ bytes: [UInt8], at i: Int) -> Unicode.Scalar? {
    var iterator = bytes[i...].makeIterator()
    var decoder = UTF8()
    if case .scalarValue(let s) = decoder.decode(&iterator) { return s }
    return nil
  }

  private func lastScalar(_ bytes: [UInt8], before i: Int) -> Unicode.Scalar? {
    var start = i - 1
    while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
    return firstScalar(bytes, at: start)
  }
}
