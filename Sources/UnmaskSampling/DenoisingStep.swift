/// What one denoising step did: the event the sampler hands to observers (tracer, live view).
///
/// One step is one model evaluation (two with classifier-free guidance) followed by commits.
/// Per-position arrays have one entry per canvas position; positions that were not masked
/// when the step began hold `Float.nan` in the score arrays.
public struct DenoisingStep: Sendable {
  /// A token written into the canvas at this step.
  public struct Commit: Sendable, Equatable, Codable {
    /// Canvas position (prompt included).
    public var position: Int
    /// The token id written there.
    public var token: Int32
    /// The strategy's score that ranked this position (higher commits first).
    public var score: Float

    /// A commit of `token` at `position`, ranked by `score`.
    public init(position: Int, token: Int32, score: Float) {
      self.position = position
      self.token = token
      self.score = score
    }
  }

  /// 0-based index of this step over the whole run (equals forward passes so far minus one,
  /// counting a guided pair as one).
  public var index: Int
  /// 0-based semi-autoregressive block this step belongs to.
  public var block: Int
  /// 0-based index of this step inside its block.
  public var stepInBlock: Int
  /// The schedule's time before this step (`t`, 1 = all masked), when the schedule has one.
  public var time: Double?
  /// The schedule's time after this step (`s`), when the schedule has one.
  public var nextTime: Double?
  /// Number of prompt tokens at the start of the canvas.
  public var promptLength: Int
  /// Canvas positions of the block being denoised.
  public var blockRange: Range<Int>
  /// Masked positions in the whole canvas when the step began.
  public var maskedBefore: Int
  /// The canvas after this step's commits and remasks.
  public var canvas: [Int32]
  /// Tokens committed at this step, in the order they were chosen.
  public var committed: [Commit]
  /// Positions re-masked at this step (correction strategies such as ReMDM).
  public var remasked: [Int]
  /// Committed tokens replaced by other tokens at this step (token editing), applied after the
  /// commits; empty for every other strategy.
  public var edited: [Commit] = []
  /// Probability of the proposed token at each position masked when the step began.
  public var confidence: [Float]
  /// Top-1 minus top-2 probability at each position masked when the step began.
  public var margin: [Float]
  /// Entropy (nats) of the predicted distribution at each position masked when the step began.
  public var entropy: [Float]
  /// Seconds spent in the model for this step.
  public var modelSeconds: Double
  /// What a uniform-state step (DiffusionGemma) adds: its temperature, argmax canvas, changed
  /// positions and whether it stopped the canvas; nil for masked diffusion.
  public var uniformState: UniformStateStep? = nil

  /// An event with every field given.
  public init(
    index: Int, block: Int, stepInBlock: Int, time: Double?, nextTime: Double?,
    promptLength: Int, blockRange: Range<Int>, maskedBefore: Int, canvas: [Int32],
    committed: [Commit], remasked: [Int], confidence: [Float], margin: [Float],
    entropy: [Float], modelSeconds: Double
  ) {
    self.index = index
    self.block = block
    self.stepInBlock = stepInBlock
    self.time = time
    self.nextTime = nextTime
    self.promptLength = promptLength
    self.blockRange = blockRange
    self.maskedBefore = maskedBefore
    self.canvas = canvas
    self.committed = committed
    self.remasked = remasked
    self.confidence = confidence
    self.margin = margin
    self.entropy = entropy
    self.modelSeconds = modelSeconds
  }
}
