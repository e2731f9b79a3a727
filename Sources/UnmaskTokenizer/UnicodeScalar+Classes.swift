/// Character classes as Hugging Face `tokenizers` (Rust) and its Oniguruma regexes see them.
///
/// Rust's `char::is_whitespace` and Oniguruma's `\s` are the Unicode `White_Space` property;
/// `char::is_numeric` and `\p{N}` are the general categories Nd, Nl and No; `\p{L}` is the
/// general categories Lu, Ll, Lt, Lm and Lo; `char::is_alphanumeric` is `Alphabetic` or numeric.
extension Unicode.Scalar {
  /// `\s` in Oniguruma, `char::is_whitespace` in Rust: the `White_Space` property.
  @inline(__always) var isHFWhitespace: Bool {
    let v = value
    if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
    return properties.isWhitespace
  }

  /// `\p{L}`: any letter (Lu, Ll, Lt, Lm, Lo).
  @inline(__always) var isHFLetter: Bool {
    let v = value
    if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) }
    switch properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
      return true
    default:
      return false
    }
  }

  /// `\p{N}`, `char::is_numeric`: Nd, Nl, No.
  @inline(__always) var isHFNumber: Bool {
    let v = value
    if v < 0x80 { return v >= 0x30 && v <= 0x39 }
    switch properties.generalCategory {
    case .decimalNumber, .letterNumber, .otherNumber:
      return true
    default:
      return false
    }
  }

  /// Rust regex's Unicode `\w` (UTS #18): Alphabetic, marks (M), Nd, Pc, Join_Control.
  /// Added tokens' `single_word` refuses a match next to one of these.
  var isHFWordCharacter: Bool {
    let v = value
    if v < 0x80 {
      return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        || v == 0x5F
    }
    if properties.isAlphabetic || properties.isJoinControl { return true }
    switch properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
      return true
    default:
      return false
    }
  }
}
