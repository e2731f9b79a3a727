import Unmask

/// The totals of an eval: accuracy with its Wilson 95% interval, model calls, throughput, and
/// the settings used. Encodes with the snake_case keys `unmask eval --json` prints.
public struct EvalSummary: Encodable, Sendable {
  /// The task's name.
  public var task: String
  /// Items run.
  public var n = 0
  /// Items that count.
  public var correct = 0
  /// Model calls, all items.
  public var forwardPasses = 0
  /// Tokens generated (masks filled), all items.
  public var generatedTokens = 0
  /// Denoising steps, all items.
  public var steps = 0
  /// Seconds of denoising, all items.
  public var seconds = 0.0
  /// The user's settings (per-item lengths and steps may differ: see the task).
  public var settings: DenoisingSettings

  /// An empty summary.
  public init(task: String, settings: DenoisingSettings) {
    self.task = task
    self.settings = settings
  }

  /// Adds one item.
  public mutating func add(_ record: EvalItemRecord) {
    n += 1
    correct += record.correct ? 1 : 0
    forwardPasses += record.forwardPasses
    generatedTokens += record.generatedTokens
    steps += record.steps
    seconds += record.seconds
  }

  /// Fraction correct, in [0, 1] (0 with no items).
  public var accuracy: Double { n == 0 ? 0 : Double(correct) / Double(n) }
  /// Wilson 95% interval of the accuracy.
  public var ci95: WilsonInterval { WilsonInterval(successes: correct, trials: n) }
  /// Mean model calls per item.
  public var forwardPassesPerItem: Double { n == 0 ? 0 : Double(forwardPasses) / Double(n) }
  /// Tokens per forward pass (TPF): generated tokens / model calls.
  public var tokensPerForward: Double {
    forwardPasses == 0 ? 0 : Double(generatedTokens) / Double(forwardPasses)
  }
  /// Generated tokens per second of denoising.
  public var tokensPerSecond: Double { seconds == 0 ? 0 : Double(generatedTokens) / seconds }

  enum CodingKeys: String, CodingKey {
    case task, n, correct, accuracy, ci95, seconds, steps, settings
    case forwardPasses = "forward_passes", forwardPassesPerItem = "forward_passes_per_item"
    case generatedTokens = "generated_tokens", tokensPerForward = "tokens_per_forward"
    case tokensPerSecond = "tokens_per_second"
  }

  /// Encodes the stored and the derived values.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(task, forKey: .task)
    try c.encode(n, forKey: .n)
    try c.encode(correct, forKey: .correct)
    try c.encode(accuracy, forKey: .accuracy)
    try c.encode(ci95.array, forKey: .ci95)
    try c.encode(forwardPasses, forKey: .forwardPasses)
    try c.encode(forwardPassesPerItem, forKey: .forwardPassesPerItem)
    try c.encode(generatedTokens, forKey: .generatedTokens)
    try c.encode(tokensPerForward, forKey: .tokensPerForward)
    try c.encode(steps, forKey: .steps)
    try c.encode(seconds, forKey: .seconds)
    try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
    try c.encode(settings, forKey: .settings)
  }
}
