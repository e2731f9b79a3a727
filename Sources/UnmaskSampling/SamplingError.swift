/// Why a denoising run cannot start or go on; each message is one line for the CLI.
public enum SamplingError: Error, Equatable, CustomStringConvertible, Sendable {
  /// A setting is outside its allowed range: the field and what was expected.
  case invalidSetting(field: String, message: String)
  /// A name (strategy, schedule, preset) is not one of the known choices.
  case unknownName(kind: String, name: String, choices: [String])
  /// The prompt cannot be used (e.g. it contains the mask id).
  case invalidPrompt(String)
  /// The model returned logits of the wrong shape.
  case badLogits(expectedRows: Int, expectedColumns: Int, rows: Int, columns: Int)
  /// A strategy that runs until its block is complete committed nothing.
  case noProgress(strategy: String, step: Int)
  /// A greedy run of a strategy that runs until its block is complete committed only the
  /// mask id (which leaves the position masked), so every later step would do the same.
  case onlyMaskProposed(strategy: String, step: Int)
  /// A schedule file could not be read or parsed.
  case scheduleFile(path: String, message: String)
  /// A recording of reference draws (`--replay-draws`) cannot serve the run: unreadable, of
  /// another precision or shape, run out, or left with draws the run did not use.
  case replay(path: String, message: String)

  /// One line saying what is wrong and what was expected.
  public var description: String {
    switch self {
    case .invalidSetting(let field, let message):
      return "invalid \(field): \(message)"
    case .unknownName(let kind, let name, let choices):
      return "unknown \(kind) '\(name)'; choose one of: \(choices.joined(separator: ", "))"
    case .invalidPrompt(let message):
      return "invalid prompt: \(message)"
    case .badLogits(let er, let ec, let r, let c):
      return "model returned logits [\(r), \(c)], expected [\(er), \(ec)]"
    case .noProgress(let strategy, let step):
      return
        "strategy \(strategy) committed nothing at step \(step); its block would never complete"
    case .onlyMaskProposed(let strategy, let step):
      return
        "strategy \(strategy) committed only the mask id at step \(step) (the position stays masked) and at temperature 0 would do so forever; its block would never complete"
    case .scheduleFile(let path, let message):
      return "schedule file \(path): \(message)"
    case .replay(let path, let message):
      return "replay draws \(path): \(message)"
    }
  }
}
