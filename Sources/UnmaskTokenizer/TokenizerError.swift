import Foundation

/// Everything that can go wrong while loading a tokenizer. Each case names the file (or the
/// `source` label given to `Tokenizer(data:source:)`) and the JSON field, so the CLI can print
/// one line that says what to fix.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
  /// The file could not be read from disk.
  case unreadable(file: String, reason: String)
  /// The bytes are not valid JSON (or the top level is not an object).
  case malformedJSON(file: String, reason: String)
  /// A required field is missing.
  case missingField(file: String, field: String)
  /// A field is present but has the wrong shape or value.
  case invalidField(file: String, field: String, expected: String)
  /// A stage's `type` names something this module does not implement.
  case unsupportedType(file: String, field: String, type: String, supported: [String])
  /// A BPE merge refers to a token that the vocabulary does not hold.
  case mergeUnknownToken(file: String, field: String, token: String)
  /// A regular expression in the file does not compile.
  case invalidRegex(file: String, field: String, pattern: String, reason: String)

  /// A one-line, human-readable explanation.
  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      return "\(file): cannot read file (\(reason))"
    case .malformedJSON(let file, let reason):
      return "\(file): malformed JSON (\(reason))"
    case .missingField(let file, let field):
      return "\(file): missing field '\(field)'"
    case .invalidField(let file, let field, let expected):
      return "\(file): field '\(field)': expected \(expected)"
    case .unsupportedType(let file, let field, let type, let supported):
      return "\(file): field '\(field)': unsupported type '\(type)'; supported: "
        + supported.joined(separator: ", ")
    case .mergeUnknownToken(let file, let field, let token):
      return
        "\(file): field '\(field)': merge refers to token '\(token)' that is not in the vocabulary"
    case .invalidRegex(let file, let field, let pattern, let reason):
      return "\(file): field '\(field)': regex '\(pattern)' does not compile (\(reason))"
    }
  }
}
