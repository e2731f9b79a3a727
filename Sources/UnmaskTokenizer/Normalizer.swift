import Foundation

/// The normalizer stage of tokenizer.json: rewrites each piece of text between added tokens
/// before pre-tokenization (Unicode normalization, lowercasing, replacements).
///
/// Offsets are not tracked: Unmask only needs ids, so a normalizer maps a string to a string.
public protocol Normalizer: Sendable {
  /// Returns the normalized form of `text`.
  func normalize(_ text: String) -> String
}

/// The normalizer `type` values this module understands; the JSON `type` picks the case.
/// Adding one: write a struct conforming to `Normalizer` below and add a case here.
public enum NormalizerType: String, CaseIterable, Sendable {
  /// Unicode canonical composition.
  case nfc = "NFC"
  /// Unicode canonical decomposition.
  case nfd = "NFD"
  /// Unicode compatibility composition.
  case nfkc = "NFKC"
  /// Unicode compatibility decomposition.
  case nfkd = "NFKD"
  /// Per-character full lowercase mapping.
  case lowercase = "Lowercase"
  /// Several normalizers applied in order.
  case sequence = "Sequence"
  /// Replace every occurrence of a string or regex.
  case replace = "Replace"
  /// Prepend a string to non-empty text.
  case prepend = "Prepend"
  /// Strip whitespace on the left and/or right.
  case strip = "Strip"
  /// Remove combining marks (general category Mn).
  case stripAccents = "StripAccents"

  /// Builds the normalizer described by `node` (an object with a `type` field).
  static func make(_ node: JSONNode) throws -> any Normalizer {
    let name = try node.typeName()
    guard let kind = NormalizerType(rawValue: name) else {
      throw TokenizerError.unsupportedType(
        file: node.file, field: node.path + ".type", type: name, supported: allCases.map(\.rawValue)
      )
    }
    switch kind {
    case .nfc: return UnicodeNormalizer(form: .nfc)
    case .nfd: return UnicodeNormalizer(form: .nfd)
    case .nfkc: return UnicodeNormalizer(form: .nfkc)
    case .nfkd: return UnicodeNormalizer(form: .nfkd)
    case .lowercase: return LowercaseNormalizer()
    case .sequence:
      return SequenceNormalizer(stages: try node.required("normalizers").array().map(make))
    case .replace:
      return ReplaceNormalizer(
        pattern: try SplitPattern(node.required("pattern")),
        content: try node.required("content").string())
    case .prepend:
      return PrependNormalizer(prefix: try node.required("prepend").string())
    case .strip:
      return StripNormalizer(
        left: try node.bool("strip_left", default: true),
        right: try node.bool("strip_right", default: true))
    case .stripAccents:
      return StripAccentsNormalizer()
    }
  }
}

/// NFC, NFD, NFKC or NFKD through Foundation (ICU on Linux).
struct UnicodeNormalizer: Normalizer {
  enum Form: Sendable { case nfc, nfd, nfkc, nfkd }
  let form: Form

  /// Scalars that NFC leaves alone whatever surrounds them: NFC_Quick_Check=Yes, combining
  /// class 0, and never the second half of a canonical composition. Text made only of these
  /// (Latin-1 and the rest below U+0300, CJK ideographs, Hangul syllables, emoji) is already
  /// NFC, which saves the NSString round trip for most text.
  @inline(__always) static func isStableUnderNFC(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    return v < 0x300 || (0x4E00...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v)
      || (0x1F000...0x1FAFF).contains(v)
  }

  func normalize(_ text: String) -> String {
    // ASCII is invariant under all four forms; skip the round trip through NSString.
    if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
    if form == .nfc && text.unicodeScalars.allSatisfy(Self.isStableUnderNFC) { return text }
    switch form {
    case .nfc: return text.precomposedStringWithCanonicalMapping
    case .nfd: return text.decomposedStringWithCanonicalMapping
    case .nfkc: return text.precomposedStringWithCompatibilityMapping
    case .nfkd: return text.decomposedStringWithCompatibilityMapping
    }
  }
}

/// Lowercases scalar by scalar with the full Unicode mapping (İ becomes i + U+0307), as
/// `NormalizedString::lowercase` does; no context-dependent rules (final sigma).
struct LowercaseNormalizer: Normalizer {
  func normalize(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if scalar.value < 0x80 {
        let v = scalar.value
        out.append((v >= 0x41 && v <= 0x5A) ? Unicode.Scalar(v + 0x20) ?? scalar : scalar)
      } else {
        out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      }
    }
    return String(out)
  }
}

/// Applies its stages in order.
struct SequenceNormalizer: Normalizer {
  let stages: [any Normalizer]
  func normalize(_ text: String) -> String {
    stages.reduce(text) { $1.normalize($0) }
  }
}

/// Replaces every non-overlapping match of `pattern` with `content`.
struct ReplaceNormalizer: Normalizer {
  let pattern: SplitPattern
  let content: String
  func normalize(_ text: String) -> String {
    var out = ""
    for (range, isMatch) in pattern.matches(in: text) {
      out += isMatch ? content : String(text.utf8Slice(range))
    }
    return out
  }
}

/// Prepends `prefix` unless the text is empty (as `tokenizers` does).
struct PrependNormalizer: Normalizer {
  let prefix: String
  func normalize(_ text: String) -> String { text.isEmpty ? text : prefix + text }
}

/// Strips `White_Space` characters from either end.
struct StripNormalizer: Normalizer {
  let left: Bool
  let right: Bool
  func normalize(_ text: String) -> String {
    var scalars = Substring(text).unicodeScalars
    if left { while let first = scalars.first, first.isHFWhitespace { scalars.removeFirst() } }
    if right { while let last = scalars.last, last.isHFWhitespace { scalars.removeLast() } }
    return String(scalars)
  }
}

/// Removes nonspacing combining marks (general category Mn), usually after NFD.
struct StripAccentsNormalizer: Normalizer {
  func normalize(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
      out.append(scalar)
    }
    return String(out)
  }
}
