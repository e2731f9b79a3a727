import ArgumentParser
import Foundation
import Unmask

/// `unmask detokenize`: one JSON array of ids per input line → one JSON string per output
/// line, as Hugging Face `tokenizers`' `decode(ids)`.
struct DetokenizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detokenize",
    abstract: "Decode token ids to text (one JSON array per stdin line → one JSON string per line)."
  )

  @OptionGroup var location: TokenizerLocation

  @Flag(name: .long, help: "Leave out special tokens (e.g. <|eot_id|>) from the text.")
  var skipSpecialTokens = false

  func run() throws {
    let tokenizer = try location.load()
    try JSONLines.forEachLine { line, _ in
      guard let items = try JSONLines.parse(line) as? [Any] else {
        throw CommandError("expected a JSON array of integer ids")
      }
      var ids: [Int32] = []
      ids.reserveCapacity(items.count)
      for (index, item) in items.enumerated() {
        // JSON true/false arrive as NSNumbers of type "c"; integers as "i"/"q".
        guard let number = item as? NSNumber, String(cString: number.objCType) != "c",
          let id = Int32(exactly: number.doubleValue), id >= 0
        else {
          throw CommandError("element \(index) is not a non-negative integer id")
        }
        // Hugging Face `tokenizers` drops unknown ids silently; a wrong id is a user's mistake.
        guard tokenizer.token(for: id) != nil else {
          throw CommandError(
            "element \(index): id \(id) is not in the vocabulary (ids 0..<\(tokenizer.vocabularySize))"
          )
        }
        ids.append(id)
      }
      return try JSONLines.quote(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens))
    }
  }
}
