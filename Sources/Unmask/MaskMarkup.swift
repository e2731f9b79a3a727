import Foundation
import UnmaskSampling

/// Masks written in prompt text: the model's own mask token text (`<|mdm_mask|>` for LLaDA,
/// `<|mask|>` for Dream) or the short form `<|mask:N|>` for a run of N masks.
///
/// `ModelSession.encode(masked:)` expands the short form into N copies of the mask token's
/// text and encodes the result; the tokenizer splits special tokens out before anything else,
/// so each copy becomes exactly one mask id and the text around it is encoded as usual.
public enum MaskMarkup {
  /// The short form's pattern: `<|mask:` digits `|>`.
  static let pattern = #"<\|mask:([0-9]+)\|>"#

  /// `text` with every `<|mask:N|>` replaced by N copies of `maskText`, and the number of masks
  /// written that way. N must be in `1...limit`; the error names `flag`.
  public static func expand(_ text: String, maskText: String, limit: Int, flag: String) throws
    -> (text: String, masks: Int)
  {
    let regex = try NSRegularExpression(pattern: pattern)
    let whole = NSRange(text.startIndex..., in: text)
    var result = ""
    var masks = 0
    var last = text.startIndex
    for match in regex.matches(in: text, range: whole) {
      guard let range = Range(match.range, in: text),
        let digits = Range(match.range(at: 1), in: text)
      else { continue }
      let count = Int(text[digits]) ?? Int.max
      guard count >= 1, count <= limit else {
        throw SamplingError.invalidSetting(
          field: flag,
          message:
            "\(text[range]) asks for \(text[digits]) masks; the count must be in 1...\(limit)")
      }
      result += text[last..<range.lowerBound]
      result += String(repeating: maskText, count: count)
      masks += count
      last = range.upperBound
    }
    result += text[last...]
    return (result, masks)
  }
}

extension ModelSession {
  /// Token ids of `text`, where the mask token's text and `<|mask:N|>` become mask ids (see
  /// `MaskMarkup`). `flag` names the option in errors (`prompt`, `suffix`).
  public func encode(masked text: String, addSpecialTokens: Bool = true, flag: String = "prompt")
    throws -> [Int32]
  {
    let tokenizer = try requireTokenizer()
    let mask = specialTokens.mask
    guard text.contains("<|mask:") else {
      return tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
    }
    guard let maskText = tokenizer.token(for: mask) else {
      throw SessionError(
        location.path,
        "the tokenizer has no text for the mask id \(mask), so <|mask:N|> cannot be used")
    }
    let (expanded, masks) = try MaskMarkup.expand(
      text, maskText: maskText, limit: contextLength ?? 1 << 20, flag: flag)
    let ids = tokenizer.encode(expanded, addSpecialTokens: addSpecialTokens)
    let found = ids.reduce(0) { $0 + ($1 == mask ? 1 : 0) }
    let written = text.components(separatedBy: maskText).count - 1
    guard found == masks + written else {
      throw SessionError(
        location.path,
        "--\(flag): \(masks + written) masks written but \(found) encoded; the tokenizer does not split out \(maskText)"
      )
    }
    return ids
  }
}
