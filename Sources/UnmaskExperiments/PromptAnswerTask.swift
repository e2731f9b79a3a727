import Foundation
import Unmask

/// The generic task: JSONL lines `{"prompt": ..., "answer": ...}`, the canvas is the encoded
/// prompt followed by `length` masks, and the decoded output counts when it equals the answer
/// after trimming whitespace: as a whole, or, with an answer regex, the regex's first capture
/// group (or whole match) in the output against the same extraction from the answer when it
/// matches there (GSM8K's `#### 42`), else the answer as written.
public struct PromptAnswerTask: EvalTask {
  /// One item.
  public struct Item: Sendable {
    /// The prompt text.
    public var prompt: String
    /// The expected answer text.
    public var answer: String
    /// An item.
    public init(prompt: String, answer: String) {
      self.prompt = prompt
      self.answer = answer
    }
  }

  /// The items.
  public var items: [Item]
  /// Text to token ids (the model's tokenizer; chat template applied by the caller if wanted).
  public var encode: (String) throws -> [Int32]
  /// Generated ids to text (special tokens dropped).
  public var decode: ([Int32]) -> String
  /// Extraction pattern; nil: exact match of the whole output.
  public var answerPattern: NSRegularExpression?

  /// A task.
  public init(
    items: [Item], encode: @escaping (String) throws -> [Int32],
    decode: @escaping ([Int32]) -> String, answerPattern: NSRegularExpression?
  ) {
    self.items = items
    self.encode = encode
    self.decode = decode
    self.answerPattern = answerPattern
  }

  /// `jsonl`.
  public var name: String { "jsonl" }
  /// Number of items.
  public var count: Int { items.count }

  /// Reads the items; errors name the file, line and field.
  public static func readJSONL(path: String) throws -> [Item] {
    try JSONLines.read(path: path).map { row in
      Item(
        prompt: try JSONLines.string(row.object, "prompt", source: path, line: row.line),
        answer: try JSONLines.string(row.object, "answer", source: path, line: row.line))
    }
  }

  /// Compiles `--answer-regex`, naming the flag when it does not compile.
  public static func pattern(_ text: String) throws -> NSRegularExpression {
    do { return try NSRegularExpression(pattern: text) } catch {
      throw ExperimentError(source: "--answer-regex", problem: "'\(text)' is not a valid regex")
    }
  }

  /// Encoded prompt + `base.length` masks.
  public func prepare(_ index: Int, base: DenoisingSettings) throws -> PreparedItem {
    let prompt = try encode(items[index].prompt)
    let canvas = prompt + [Int32](repeating: base.maskID, count: base.length)
    return PreparedItem(canvas: canvas, promptLength: prompt.count, settings: base)
  }

  /// Exact match, after extraction when there is a pattern.
  public func judge(_ index: Int, result: DenoisingResult) throws -> ItemOutcome {
    let output = decode(result.generated)
    let expected = items[index].answer
    let got = extract(output)
    let want = answerPattern == nil ? expected : (extract(expected) ?? expected)
    let correct = got.map { normalize($0) == normalize(want) } ?? false
    return ItemOutcome(
      prompt: items[index].prompt, output: output, expected: expected, correct: correct)
  }

  /// The compared part of `text`: all of it, or the pattern's first group (whole match when it
  /// has no group); nil when the pattern does not match.
  public func extract(_ text: String) -> String? {
    guard let answerPattern else { return text }
    let range = NSRange(text.startIndex..., in: text)
    guard let match = answerPattern.firstMatch(in: text, range: range) else { return nil }
    let group = match.numberOfRanges > 1 && match.range(at: 1).location != NSNotFound ? 1 : 0
    guard let found = Range(match.range(at: group), in: text) else { return nil }
    return String(text[found])
  }

  private func normalize(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
