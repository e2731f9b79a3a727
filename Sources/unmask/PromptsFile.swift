import Foundation

/// `--prompts FILE.jsonl`: one prompt per line, `{"prompt": "text"}` or
/// `{"prompt_tokens": [ids]}`, with an optional `"id"` that is echoed in the output line.
/// Blank lines are skipped; any other line that is not such an object is an error naming the
/// file and the line.
struct PromptsFile {
  /// One line's prompt.
  struct Entry {
    /// 1-based line number in the file.
    var line: Int
    /// The line's `id`, if any (any JSON value, echoed as given).
    var id: Any?
    /// Text to encode, or
    var text: String?
    /// token ids given directly.
    var tokens: [Int32]?
  }

  var entries: [Entry]

  init(path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CommandError("\(path): cannot be read")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw CommandError("\(path): is not UTF-8 text")
    }
    entries = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if trimmed.isEmpty { continue }
      let number = index + 1
      func fail(_ problem: String) -> CommandError { CommandError("\(path):\(number): \(problem)") }
      guard
        let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any]
      else { throw fail("not a JSON object") }
      var entry = Entry(line: number, id: object["id"])
      if let prompt = object["prompt"] {
        guard let prompt = prompt as? String else { throw fail("\"prompt\" must be a string") }
        entry.text = prompt
      }
      if let tokens = object["prompt_tokens"] {
        guard let list = tokens as? [Any], !list.isEmpty else {
          throw fail("\"prompt_tokens\" must be a non-empty array of token ids")
        }
        entry.tokens = try list.map { value in
          guard let number = value as? NSNumber, let id = Int32(exactly: number.doubleValue) else {
            throw fail("\"prompt_tokens\" holds \(value), which is not a token id")
          }
          return id
        }
      }
      guard (entry.text == nil) != (entry.tokens == nil) else {
        throw fail("give exactly one of \"prompt\" and \"prompt_tokens\"")
      }
      entries.append(entry)
    }
    guard !entries.isEmpty else {
      throw CommandError("\(path): holds no prompts (one JSON object per line)")
    }
  }
}
