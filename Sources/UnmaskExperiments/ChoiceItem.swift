/// A multiple-choice item for `unmask score --data FILE --choices`: a JSONL line
/// `{"prompt": "...", "choices": ["...", ...], "answer": <index of the right choice>}`.
/// The model's pick is the choice with the highest estimated log-likelihood.
public struct ChoiceItem: Sendable {
  /// The prompt text.
  public var prompt: String
  /// The candidate continuations.
  public var choices: [String]
  /// Index of the right choice.
  public var answer: Int

  /// Reads the items; errors name the file, line and field.
  public static func readJSONL(path: String) throws -> [ChoiceItem] {
    try JSONLines.read(path: path).map { row in
      let prompt = try JSONLines.string(row.object, "prompt", source: path, line: row.line)
      guard let choices = row.object["choices"] as? [String], choices.count >= 2 else {
        throw ExperimentError(
          source: path, line: row.line, field: "choices", problem: "expected 2 or more strings")
      }
      guard let answer = row.object["answer"] as? Int, choices.indices.contains(answer) else {
        throw ExperimentError(
          source: path, line: row.line, field: "answer",
          problem: "expected the index of the right choice, 0..<\(choices.count)")
      }
      return ChoiceItem(prompt: prompt, choices: choices, answer: answer)
    }
  }
}
