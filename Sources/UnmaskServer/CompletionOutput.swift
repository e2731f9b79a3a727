import Foundation
import Unmask

/// The text a completion returns, cut as OpenAI's `finish_reason` describes.
public struct CompletionOutput: Equatable, Sendable {
  /// Tokens returned: the generated tokens up to (not including) the first EOS / end of turn,
  /// and up to the token that completes a stop string.
  public var tokens: [Int32]
  /// Their text, decoded as `unmask detokenize` decodes (ending before a stop string).
  public var text: String
  /// "stop" (EOS, end of turn or a stop string) or "length" (all `max_tokens` tokens).
  public var finishReason: String
  /// Whether the run was stopped before it finished (client gone).
  public var stoppedEarly: Bool

  /// Cuts `generated` at the first of `endIDs`, then at the first stop string.
  public static func cut(
    generated: [Int32], endIDs: Set<Int32>, stop: [String], stoppedEarly: Bool = false,
    decode: ([Int32]) -> String
  ) -> CompletionOutput {
    var tokens = generated
    var reason = "length"
    if let end = generated.firstIndex(where: endIDs.contains) {
      tokens = Array(generated[..<end])
      reason = "stop"
    }
    var text = decode(tokens)
    if let (index, _) = firstStop(in: text, stop: stop) {
      text = String(text[..<index])
      reason = "stop"
      // Keep the shortest prefix of tokens whose text reaches the cut.
      var count = 0
      while count < tokens.count && decode(Array(tokens[..<count])).count < text.count {
        count += 1
      }
      tokens = Array(tokens[..<count])
    }
    return CompletionOutput(
      tokens: tokens, text: text, finishReason: reason, stoppedEarly: stoppedEarly)
  }

  /// Where the earliest stop string starts in `text`.
  static func firstStop(in text: String, stop: [String]) -> (String.Index, String)? {
    var best: (String.Index, String)?
    for s in stop {
      if let range = text.range(of: s), best.map({ range.lowerBound < $0.0 }) ?? true {
        best = (range.lowerBound, s)
      }
    }
    return best
  }
}
