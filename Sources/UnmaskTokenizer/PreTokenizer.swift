/// The pre-tokenizer stage of tokenizer.json: cuts normalized text into the pieces ("words")
/// that the model tokenizes one by one, and may rewrite them (ByteLevel maps bytes to its
/// printable alphabet).
public protocol PreTokenizer: Sendable {
  /// Splits `piece` into the pieces that follow, appending them to `output`. Empty pieces are
  /// never appended.
  func split(_ piece: String, into output: inout [String])
}

extension PreTokenizer {
  /// Applies `split` to every piece of `pieces`.
  func preTokenize(_ pieces: [String]) -> [String] {
    var out: [String] = []
    out.reserveCapacity(pieces.count * 4)
    for piece in pieces { split(piece, into: &out) }
    return out
  }
}

/// The pre-tokenizer `type` values this module understands; the JSON `type` picks the case.
/// Adding one: write a struct conforming to `PreTokenizer` and add a case here.
public enum PreTokenizerType: String, CaseIterable, Sendable {
  /// GPT-2's byte-to-character mapping, optionally with its built-in regex split.
  case byteLevel = "ByteLevel"
  /// Split on a string or regex with a delimiter behaviour.
  case split = "Split"
  /// Isolate digits, one by one or in runs.
  case digits = "Digits"
  /// Several pre-tokenizers applied in order.
  case sequence = "Sequence"
  /// Split on whitespace runs, dropping them (`WhitespaceSplit`).
  case whitespaceSplit = "WhitespaceSplit"

  /// Builds the pre-tokenizer described by `node` (an object with a `type` field).
  static func make(_ node: JSONNode) throws -> any PreTokenizer {
    let name = try node.typeName()
    guard let kind = PreTokenizerType(rawValue: name) else {
      throw TokenizerError.unsupportedType(
        file: node.file, field: node.path + ".type", type: name, supported: allCases.map(\.rawValue)
      )
    }
    switch kind {
    case .byteLevel:
      return try ByteLevelPreTokenizer(
        addPrefixSpace: node.bool("add_prefix_space", default: true),
        useRegex: node.bool("use_regex", default: true), file: node.file, field: node.path)
    case .split:
      let behaviorNode = try node.required("behavior")
      let behaviorName = try behaviorNode.string()
      guard let behavior = SplitBehavior(rawValue: behaviorName) else {
        throw TokenizerError.unsupportedType(
          file: node.file, field: behaviorNode.path, type: behaviorName,
          supported: SplitBehavior.allCases.map(\.rawValue))
      }
      return SplitPreTokenizer(
        pattern: try SplitPattern(node.required("pattern")), behavior: behavior,
        invert: try node.bool("invert", default: false))
    case .digits:
      let individual = try node.bool("individual_digits", default: false)
      return SplitPreTokenizer(
        pattern: .scalar({ $0.isHFNumber }), behavior: individual ? .isolated : .contiguous,
        invert: false)
    case .sequence:
      return SequencePreTokenizer(stages: try node.required("pretokenizers").array().map(make))
    case .whitespaceSplit:
      return SplitPreTokenizer(
        pattern: .scalar({ $0.isHFWhitespace }), behavior: .removed, invert: false)
    }
  }
}

/// `Split`: cuts each piece at the matches of a pattern (tokenizers' `Split` pre-tokenizer).
struct SplitPreTokenizer: PreTokenizer {
  let pattern: SplitPattern
  let behavior: SplitBehavior
  let invert: Bool

  func split(_ piece: String, into output: inout [String]) {
    var spans = pattern.matches(in: piece)
    if invert { spans = spans.map { ($0.0, !$0.1) } }
    for range in behavior.pieces(spans) {
      output.append(String(piece.utf8Slice(range)))
    }
  }
}

/// `ByteLevel`: optionally adds a leading space and splits with GPT-2's regex, then maps each
/// UTF-8 byte to its character in `ByteLevelAlphabet`.
struct ByteLevelPreTokenizer: PreTokenizer {
  let addPrefixSpace: Bool
  let regex: RegexMatcher?

  init(addPrefixSpace: Bool, useRegex: Bool, file: String, field: String) throws {
    self.addPrefixSpace = addPrefixSpace
    regex =
      useRegex
      ? try RegexMatcher(pattern: PretokenizerScanner.gpt2Pattern, file: file, field: field) : nil
  }

  func split(_ piece: String, into output: inout [String]) {
    // tokenizers adds the prefix space to every piece that does not already start with one.
    let text = addPrefixSpace && piece.unicodeScalars.first != " " ? " " + piece : piece
    guard let regex else {
      if !text.isEmpty { output.append(ByteLevelAlphabet.encode(Substring(text))) }
      return
    }
    for range in regex.matchRanges(in: text) where !range.isEmpty {
      output.append(ByteLevelAlphabet.encode(text.utf8Slice(range)))
    }
  }
}

/// Applies its stages in order, each to every piece the previous one produced.
struct SequencePreTokenizer: PreTokenizer {
  let stages: [any PreTokenizer]

  func split(_ piece: String, into output: inout [String]) {
    var pieces = [piece]
    for stage in stages { pieces = stage.preTokenize(pieces) }
    output.append(contentsOf: pieces)
  }
}
