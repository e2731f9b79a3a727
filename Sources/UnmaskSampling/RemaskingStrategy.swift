import UnmaskCore

/// A position picked for commit, with the score that ranked it (higher first).
public struct ScoredPosition: Sendable, Equatable {
  /// Canvas position.
  public var position: Int
  /// The strategy's score.
  public var score: Double
  /// The token to write, when the strategy chooses it instead of the step's proposal (Fast-dLLM
  /// v2's next token is the argmax whatever the temperature); nil: the proposal.
  public var token: Int32? = nil
  /// A position and its score (the proposal's token).
  public init(position: Int, score: Double) {
    self.position = position
    self.score = score
  }
}

/// A committed token replaced by another (token editing).
public struct TokenEdit: Sendable, Equatable {
  /// Canvas position.
  public var position: Int
  /// The new token.
  public var token: Int32
  /// The strategy's score (the new token's probability).
  public var score: Double
  /// An edit with every field given.
  public init(position: Int, token: Int32, score: Double) {
    self.position = position
    self.token = token
    self.score = score
  }
}

/// Everything a strategy may look at when it picks a step's commits.
public struct StepContext {
  /// Canvas length `T` (prompt + generated).
  public var canvasLength: Int
  /// Proposals at the candidate positions (masked, up to the end of the block), ascending.
  public var proposals: [Proposal]
  /// How many the schedule says to commit (0...proposals.count).
  public var count: Int
  /// Schedule time before the step (`t`).
  public var time: Double
  /// Schedule time after the step (`s`).
  public var nextTime: Double
  /// 0-based step inside the current block (0 = a new block begins).
  public var stepInBlock: Int
  /// Whether this is the block's last scheduled step.
  public var isLastStep: Bool
  /// The run's settings.
  public var settings: DenoisingSettings
  /// The run's noise schedule (the one `settings.schedule` names, or a custom one).
  public var schedule: any NoiseSchedule
  /// The canvas before the step's commits.
  public var canvas: [Int32]
  /// Generated positions `promptLength..<blockEnd` (ReMDM may remask committed ones there).
  public var generatedRange: Range<Int>
  /// The current block's positions in the canvas (the generated span's tile).
  public var blockRange: Range<Int> = 0..<0
  /// The schedule's count for this step before it is clamped to the candidates (`count`): the
  /// references' `num_transfer_tokens[step]`, which SDAR's top-k over the whole block uses.
  public var quota: Int = 0
  /// Which rows `logits` holds: `.all`, or the positions of its rows (see `logitRow(for:)`).
  public var logitRows: LogitRows = .all
  /// `[T]`: true where the canvas held a mask when the run started; only there may a
  /// strategy change a token (every other token is fixed).
  public var editable: [Bool] = []
  /// The step's logits `[T, V]` (after guidance and the EOS controls), for strategies that
  /// need whole distributions (KLASS) or positions that are not candidates (token editing).
  /// When the strategy's `readsLogitRows` is `.candidates`, only the masked positions' rows
  /// were computed and this is `[n, V]` (those rows, ascending by position).
  public var logits: Matrix? = nil
  /// Runs one more forward pass on a canvas of the strategy's choosing (WINO's verification);
  /// the run counts it in `forwardPasses`. Nil when the run offers none.
  public var predict: (([Int32]) throws -> Matrix)? = nil

  /// The row of `logits` that holds `position`'s logits, or nil when the pass skipped it.
  public func logitRow(for position: Int) -> Int? {
    guard let positions = logitRows.positions else { return position }
    var lower = 0
    var upper = positions.count
    while lower < upper {  // positions ascend
      let mid = (lower + upper) / 2
      if positions[mid] < position { lower = mid + 1 } else { upper = mid }
    }
    return lower < positions.count && positions[lower] == position ? lower : nil
  }

  /// A full-length score row `[T]`: `score` at candidates, `-inf` elsewhere, as the references
  /// build `confidence = where(mask_index, x0_p, -inf)` before `torch.topk`.
  public func scoreRow(_ score: (Proposal) -> Double) -> [Double] {
    var row = [Double](repeating: -.infinity, count: canvasLength)
    for p in proposals { row[p.position] = score(p) }
    return row
  }

  /// The `k` positions to commit from a score row: `torch.topk(row, k)` (ties as torch breaks
  /// them, see `TorchTopK`), or with `algTemperature > 0` Dream's
  /// `multinomial(softmax(row / alg_temp), k)` without replacement.
  public func pick(_ row: [Double], k: Int, rng: inout SeededGenerator) -> [ScoredPosition] {
    let k = min(k, proposals.count)
    guard k > 0 else { return [] }
    if let a = settings.algTemperature, a > 0 {
      return PositionSampler.sample(row, k: k, temperature: a, rng: &rng)
        .map { ScoredPosition(position: $0, score: row[$0]) }
    }
    return TorchTopK.indices(of: row, k: k).map { ScoredPosition(position: $0, score: row[$0]) }
  }
}

/// Picks which masked positions to commit at a step (and, for correction strategies, which
/// committed positions to mask again).
///
/// Conformers are small value types, one file each under `Strategies/`, each with its
/// descriptor (`DescribedStrategy`), chosen by name from `StrategyRegistry`. Adding one: see
/// docs/STRATEGIES.md.
public protocol RemaskingStrategy {
  /// The name in configs and traces.
  var name: StrategyName { get }
  /// Whether the block runs until it has no mask left rather than for a fixed number of steps
  /// (threshold-style strategies that ignore the schedule's count).
  var runsUntilBlockComplete: Bool { get }
  /// Which logit rows the strategy reads (default `.all`, always safe): `.candidates` lets the
  /// forward pass skip the last block's work for every other row (see `LogitRows`).
  var readsLogitRows: LogitRowUse { get }
  /// Positions to commit this step, in the order chosen.
  mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  /// Whether the block runs another step (`stepInBlock` steps have run; `complete`: no mask
  /// left in it); nil = the usual rule (the schedule's steps, or until complete).
  func continuesBlock(stepInBlock: Int, complete: Bool, blockLength: Int) -> Bool?
  /// Whether `selectEdits` may rewrite fixed tokens (the prompt's) inside the current block, as
  /// SDAR's `generate.py` does when its top-k over the block reaches them (default false).
  var rewritesFixedTokens: Bool { get }
  /// Committed tokens to replace after this step's commits (token editing; default: none).
  /// Only positions that held a mask when the run started are changed.
  mutating func selectEdits(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [TokenEdit]
  /// Committed positions to mask again after this step's commits (default: none).
  mutating func selectRemasks(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [Int]
  /// Loads what depends on the model (PC-Sampler's background frequencies, `[V]`); called once
  /// by `Denoiser.init(model:settings:)`, so that an unreadable file is a one-line error before
  /// the run (default: nothing).
  mutating func prepare(vocabularySize: Int) throws
}

extension RemaskingStrategy {
  /// Counting strategies run the schedule's steps.
  public var runsUntilBlockComplete: Bool { false }
  /// Every row, unless a strategy says otherwise: a new strategy is safe by default.
  public var readsLogitRows: LogitRowUse { .all }
  /// The usual stopping rule.
  public func continuesBlock(stepInBlock: Int, complete: Bool, blockLength: Int) -> Bool? { nil }
  /// Fixed tokens stay fixed.
  public var rewritesFixedTokens: Bool { false }
  /// No edits by default.
  public func selectEdits(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [TokenEdit] { [] }
  /// No correction by default.
  public func selectRemasks(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [Int] { [] }
  /// Nothing to load by default.
  public func prepare(vocabularySize: Int) throws {}
}
