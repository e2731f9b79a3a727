import UnmaskCore

/// The exact key/value cache of block-causal models (LLaDA2, SDAR, BD3-LM, Fast-dLLM v2).
///
/// Under `AttentionMask.blockCausal(B)` position `p` attends to keys `0..<end(p)`, `end(p)` the
/// end of its mask block, so its keys, values and logits depend on no later block. Rows
/// computed earlier therefore stay exact until a token before their block's end changes. Each
/// step recomputes the window from the first row that may have changed (the mask block of the
/// first token that differs from the last pass's canvas, or the row before the first row read if
/// earlier) to the end of the mask block of the last row the step reads, against the cache for
/// everything before it: the same rows a pass over the whole
/// canvas gives, bit for bit on the kernel paths, for fewer FLOPs.
///
/// A step that reads every row (`.all`) recomputes the whole canvas: exact, without saving.
///
/// With `staleSubBlock` (Fast-dLLM v2's `use_block_cache`, an approximation of its reference's
/// own) a pass inside a block may compute the current sub-block alone: once the block has had a
/// pass over all of it, and while the sub-block's first position holds a token, the pass runs
/// the sub-block against the cache, whose rows for the rest of the block are those of the last
/// pass that computed them (stale, as the reference's `block_past_key_values` are), and reads
/// the sub-block's rows only. A sub-block whose first position is still a mask gets a pass over
/// the whole block again.
final class BlockCausalCache: LogitSource {
  let model: MaskPredictor
  /// The mask's block length `B`.
  let maskBlock: Int
  /// Whether the blocks sit on the grid through the prompt's end (`blockCausal` runs, dllm's
  /// BD3LM: `AttentionMask.blockCausalAligned`) rather than the canvas's start.
  let alignedToPrompt: Bool
  /// A block boundary: the prompt's end when `alignedToPrompt`, else 0.
  private var boundary = 0
  private var cache: KVCache?
  /// The canvas of the last pass, and the end of the rows it left in the cache.
  private var cachedTokens: [Int32] = []
  private var cachedEnd = 0
  private var rows = LogitRows.all
  /// Fast-dLLM v2's sub-block length under `use_block_cache`; nil: every pass is exact.
  let staleSubBlock: Int?
  /// The block the last pass over a whole block computed (the reference's
  /// `block_past_key_values` exist for it).
  private var blockComputed: Range<Int>?
  /// Whether the last pass planned is a sub-block against the stale block cache.
  private var plannedStaleSubBlock = false

  /// A cache for `model`, whose own mask must be block-causal, in blocks of `blockLength` (the
  /// sampler's, on the canvas grid) or of the model's own mask (nil); or, `alignedToPrompt`,
  /// for any model under the run's `blockCausalAligned` mask in blocks of `blockLength`.
  init(
    model: MaskPredictor, blockLength: Int?, alignedToPrompt: Bool = false,
    staleSubBlock: Int? = nil
  ) throws {
    self.alignedToPrompt = alignedToPrompt
    self.staleSubBlock = staleSubBlock
    if alignedToPrompt, let blockLength {
      self.model = model
      maskBlock = blockLength
      return
    }
    guard case .blockCausal(let own) = model.attentionMask else {
      throw SamplingError.invalidSetting(
        field: "cache",
        message:
          "exact needs a block-causal model; this one attends to the whole canvas, where only prefix or dual apply"
      )
    }
    self.model = model
    maskBlock = blockLength ?? own
  }

  var passesPerStep: Int { 1 }

  /// One past the last position of `p`'s mask block.
  private func blockEnd(_ p: Int) -> Int {
    p - ((p - boundary) % maskBlock + maskBlock) % maskBlock + maskBlock
  }

  /// First position of `p`'s mask block (0 for the grid's first, shorter, block).
  private func blockStart(_ p: Int) -> Int {
    max(0, p - ((p - boundary) % maskBlock + maskBlock) % maskBlock)
  }

  func plan(_ run: Run, block: Range<Int>, stepInBlock: Int, rows: LogitRows) throws
    -> [ForwardCanvas]
  {
    let canvas = run.canvas
    let t = canvas.count
    boundary = alignedToPrompt ? run.promptLength : 0
    if cache?.positions != t {
      guard let fresh = model.makeKVCache(positions: t) else {
        throw PredictorError.unsupported("it has no key/value cache")
      }
      cache = fresh
      cachedTokens = []
      cachedEnd = 0
    }
    // Rows before `valid` are exact: no token before their block's end changed.
    let firstChanged = (0..<min(cachedEnd, t)).first { canvas[$0] != cachedTokens[$0] } ?? cachedEnd
    if let sub = staleSubBlock, blockComputed == block, let positions = rows.positions,
      let first = positions.first, first >= block.lowerBound,
      firstChanged >= block.lowerBound
    {
      let subStart = block.lowerBound + (first - block.lowerBound) / sub * sub
      let subBlock = subStart..<min(block.upperBound, subStart + sub)
      if canvas[subStart] != run.settings.maskID {
        // The sub-block alone; its first row is a token's, read by no position.
        self.rows = .positions(positions.filter { subBlock.contains($0) })
        cachedTokens = canvas
        plannedStaleSubBlock = true
        return [ForwardCanvas(tokens: canvas, window: subBlock, rows: self.rows, cache: cache)]
      }
    }
    plannedStaleSubBlock = false
    var start = blockStart(min(firstChanged, cachedEnd))
    let window: Range<Int>
    if let positions = rows.positions {
      if let first = positions.first, let last = positions.last {
        // A model whose position p reads row p - 1 (Dream's shift, or the sampler's
        // `--right-shift-logits`) needs the row before the first one read, as a pass over the
        // whole canvas has it.
        let previous = model.readsPreviousRow || run.settings.rightShiftLogits
        start = min(start, previous ? max(0, first - 1) : first)
        window = start..<min(t, blockEnd(last))
      } else {
        let first = min(start, t - 1)  // nothing to read: one row keeps the pass well formed
        window = first..<(first + 1)
      }
    } else {
      window = 0..<t
    }
    self.rows = rows
    cachedTokens = canvas
    cachedEnd = window.upperBound
    // A pass while the block's first position is a mask is the one that proposes Fast-dLLM
    // v2's next token there: the reference's final pass over the previous block. Its
    // `block_past_key_values` start with the first pass after that token is appended.
    if window.lowerBound <= block.lowerBound && window.upperBound >= block.upperBound,
      block.isEmpty || canvas[block.lowerBound] != run.settings.maskID
    {
      blockComputed = block
    }
    return [ForwardCanvas(tokens: canvas, window: window, rows: rows, cache: cache)]
  }

  /// A sub-block pass against the block cache runs with no mask in the reference
  /// (`attention_mask = None` once `block_past_key_values` hold the block): the sampler's
  /// blocks alone, without the cap of `forward`'s default block size.
  func mask(ofPlanned runMask: AttentionMask?) -> AttentionMask? {
    guard plannedStaleSubBlock, case .blockCausalCapped(let b, _, _)? = runMask else {
      return runMask
    }
    return .blockCausal(blockLength: b)
  }

  func logits(from results: [Matrix], of run: Run) throws -> (logits: Matrix, rows: LogitRows) {
    try run.checkShape(results[0], vocabularySize: model.vocabularySize, rows: rows)
    return (results[0], rows)
  }
}
