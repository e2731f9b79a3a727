/// One line of trace.jsonl: what one denoising step did (see README.md for the schema).
public struct TraceStepRecord: Codable, Equatable, Sendable {
  /// A token written into, or taken out of, the canvas.
  public struct Token: Codable, Equatable, Sendable {
    /// Canvas position.
    public var pos: Int
    /// Token id (for a remask: the id that was removed).
    public var token: Int32
    /// Decoded text of the token.
    public var text: String
    /// The strategy's score (commits only).
    public var score: Float?

    /// A token entry.
    public init(pos: Int, token: Int32, text: String, score: Float? = nil) {
      self.pos = pos
      self.token = token
      self.text = text
      self.score = score
    }
  }

  /// 0-based step over the run.
  public var step: Int
  /// 0-based block.
  public var block: Int
  /// 0-based step inside the block.
  public var stepInBlock: Int
  /// Schedule time before the step (1 = all masked), when the schedule has one.
  public var t: Double?
  /// Schedule time after the step.
  public var s: Double?
  /// First canvas position of the block.
  public var blockStart: Int
  /// One past the last canvas position of the block.
  public var blockEnd: Int
  /// Masked positions in the canvas when the step began.
  public var maskedBefore: Int
  /// Masked positions after the step.
  public var maskedAfter: Int
  /// Tokens committed, in the order chosen.
  public var committed: [Token]
  /// Positions re-masked, with the token removed.
  public var remasked: [Token]
  /// Positions masked when the step began (ascending); the three arrays below align with it.
  public var positions: [Int]
  /// Probability of the proposed token (null when not finite).
  public var confidence: [Float?]
  /// Top-1 minus top-2 probability.
  public var margin: [Float?]
  /// Entropy in nats.
  public var entropy: [Float?]
  /// Seconds in the model.
  public var modelSeconds: Double
  /// Uniform-state runs (DiffusionGemma), whose canvases have no masks: the positions whose
  /// token the step changed (accepted or re-noised to a different token); nil otherwise.
  /// There `committed` holds the accepted positions and `remasked` the re-noised ones.
  public var changed: [Int]? = nil
  /// Uniform-state runs: the step's temperature.
  public var temperature: Double? = nil
  /// Token editing (LLaDA2.1): committed positions rewritten at this step, with the new token
  /// and its score, applied after `committed`; nil when the step edited nothing.
  public var edited: [Token]? = nil

  enum CodingKeys: String, CodingKey {
    case step, block, t, s, committed, remasked, positions, confidence, margin, entropy
    case changed, temperature, edited
    case stepInBlock = "step_in_block"
    case blockStart = "block_start"
    case blockEnd = "block_end"
    case maskedBefore = "masked_before"
    case maskedAfter = "masked_after"
    case modelSeconds = "model_seconds"
  }

  /// The record without its per-position arrays: what figures need, O(commits) in memory.
  public var summary: TraceStepRecord {
    var copy = self
    copy.positions = []
    copy.confidence = []
    copy.margin = []
    copy.entropy = []
    return copy
  }
}
