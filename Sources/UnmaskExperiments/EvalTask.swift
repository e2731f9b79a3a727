import Unmask

/// One item ready to denoise: the starting canvas, how much of it is prompt, and the settings
/// of this item's run (a Sudoku puzzle's steps follow its number of blanks).
public struct PreparedItem: Sendable {
  /// The starting canvas: prompt, then the generated span (masks, and fixed tokens for infill).
  public var canvas: [Int32]
  /// Tokens of `canvas` that are prompt.
  public var promptLength: Int
  /// The settings of this item's run.
  public var settings: DenoisingSettings

  /// An item.
  public init(canvas: [Int32], promptLength: Int, settings: DenoisingSettings) {
    self.canvas = canvas
    self.promptLength = promptLength
    self.settings = settings
  }
}

/// How an item's output was judged.
public struct ItemOutcome: Sendable {
  /// The item's input, as text (a puzzle string, a prompt).
  public var prompt: String
  /// What the model produced, as text.
  public var output: String
  /// The expected answer, as text (empty when there is none).
  public var expected: String
  /// Whether the output counts.
  public var correct: Bool

  /// An outcome.
  public init(prompt: String, output: String, expected: String, correct: Bool) {
    self.prompt = prompt
    self.output = output
    self.expected = expected
    self.correct = correct
  }
}

/// A task `unmask eval` can run: items in, a canvas per item, a verdict per output.
public protocol EvalTask {
  /// The task's name in reports (`sudoku`, `jsonl`).
  var name: String { get }
  /// Number of items.
  var count: Int { get }
  /// The canvas and settings of item `index`, starting from the user's `base` settings.
  func prepare(_ index: Int, base: DenoisingSettings) throws -> PreparedItem
  /// Judges item `index`'s output.
  func judge(_ index: Int, result: DenoisingResult) throws -> ItemOutcome
}
