import Foundation

/// The decoder stage of tokenizer.json: turns the token strings of an id sequence back into
/// text (`decode_chain` in `tokenizers`: each stage maps a list of strings to a list of
/// strings; the tokenizer joins the final list).
public protocol TokenDecoder: Sendable {
  /// Transforms the token strings.
  func decodeChain(_ tokens: [String]) -> [String]
}

/// The decoder `type` values this module understands; the JSON `type` picks the case.
/// Adding one: write a struct conforming to `TokenDecoder` and add a case here.
public enum DecoderType: String, CaseIterable, Sendable {
  /// Maps the byte-level alphabet back to bytes and decodes UTF-8 (lossily).
  case byteLevel = "ByteLevel"
  /// Several decoders applied in order.
  case sequence = "Sequence"
  /// Replaces a string in every token.
  case replace = "Replace"
  /// Joins all tokens into one.
  case fuse = "Fuse"
  /// Removes characters from the start/end of every token.
  case strip = "Strip"
  /// Turns runs of `<0xXX>` tokens into the text their bytes spell.
  case byteFallback = "ByteFallback"

  /// Builds the decoder described by `node`.
  static func make(_ node: JSONNode) throws -> any TokenDecoder {
    let name = try node.typeName()
    guard let kind = DecoderType(rawValue: name) else {
      throw TokenizerError.unsupportedType(
        file: node.file, field: node.path + ".type", type: name, supported: allCases.map(\.rawValue)
      )
    }
    switch kind {
    case .byteLevel: return ByteLevelDecoder()
    case .sequence: return SequenceDecoder(stages: try node.required("decoders").array().map(make))
    case .replace:
      let patternNode = try node.required("pattern")
      guard let literal = try patternNode["String"]?.string() else {
        throw patternNode.invalid(
          "{\"String\": ...} (Regex patterns are not supported in decoders)")
      }
      return ReplaceDecoder(pattern: literal, content: try node.required("content").string())
    case .fuse: return FuseDecoder()
    case .strip:
      return StripDecoder(
        content: try node.required("content").string(), start: try node.required("start").int(),
        stop: try node.required("stop").int())
    case .byteFallback: return ByteFallbackDecoder()
    }
  }
}

/// ByteLevel: concatenates all tokens' bytes (each character of the byte-level alphabet is one
/// byte; a token with any other character contributes its own UTF-8, as added tokens do) and
/// decodes the result as UTF-8, replacing invalid sequences with U+FFFD.
struct ByteLevelDecoder: TokenDecoder {
  func decodeChain(_ tokens: [String]) -> [String] {
    var bytes: [UInt8] = []
    for token in tokens {
      let start = bytes.count
      var mapped = true
      for scalar in token.unicodeScalars {
        guard let b = ByteLevelAlphabet.byte(for: scalar) else {
          mapped = false
          break
        }
        bytes.append(b)
      }
      if !mapped {
        bytes.removeSubrange(start...)
        bytes.append(contentsOf: token.utf8)
      }
    }
    return [String(decoding: bytes, as: UTF8.self)]
  }
}

/// Applies its stages in order.
struct SequenceDecoder: TokenDecoder {
  let stages: [any TokenDecoder]
  func decodeChain(_ tokens: [String]) -> [String] {
    stages.reduce(tokens) { $1.decodeChain($0) }
  }
}

/// Replaces every occurrence of `pattern` with `content` in each token.
struct ReplaceDecoder: TokenDecoder {
  let pattern: String
  let content: String
  func decodeChain(_ tokens: [String]) -> [String] {
    let spans = SplitPattern.literal(Array(pattern.utf8))
    return tokens.map { token in
      var out = ""
      for (range, isMatch) in spans.matches(in: token) {
        out += isMatch ? content : String(token.utf8Slice(range))
      }
      return out
    }
  }
}

/// Joins all tokens into one string.
struct FuseDecoder: TokenDecoder {
  func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// Removes up to `start` leading and `stop` trailing occurrences of the character `content`.
struct StripDecoder: TokenDecoder {
  let content: String
  let start: Int
  let stop: Int
  func decodeChain(_ tokens: [String]) -> [String] {
    guard let c = content.unicodeScalars.first else { return tokens }
    return tokens.map { token in
      var scalars = Substring(token).unicodeScalars
      var n = 0
      while n < start, scalars.first == c { scalars.removeFirst(); n += 1 }
      n = 0
      while n < stop, scalars.last == c { scalars.removeLast(); n += 1 }
      return String(scalars)
    }
  }
}

/// Collects runs of `<0xXX>` tokens into bytes and decodes them as UTF-8; an invalid run
/// becomes one U+FFFD per byte, as `tokenizers` does.
struct ByteFallbackDecoder: TokenDecoder {
  func decodeChain(_ tokens: [String]) -> [String] {
    var out: [String] = []
    var pending: [UInt8] = []
    func flush() {
      guard !pending.isEmpty else { return }
      if let text = String(validating: pending, as: UTF8.self) {
        out.append(text)
      } else {
        out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
      }
      pending.removeAll()
    }
    for token in tokens {
      let u = Array(token.utf8)
      if u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E,
        let b = UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
      {
        pending.append(b)
      } else {
        flush()
        out.append(token)
      }
    }
    flush()
    return out
  }
}
