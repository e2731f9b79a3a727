/// Which keys each query of a forward pass attends to: a value a pass request carries.
///
/// Every mask Unmask's models use lets query position `i` of a canvas of `T` positions see one
/// contiguous run of key positions, `keys(for: i, canvasLength: T)`:
/// - `full`: `0..<T`. LLaDA, Dream and MDLM attend bidirectionally over the whole canvas.
/// - `blockCausal(blockLength: B)`: `0..<min(T, (i / B + 1) · B)`: a block sees itself and every
///   earlier block, blocks counted from the canvas's first position (LLaDA2's
///   `log(tril(ones(blocks, blocks)))` expanded to tokens; SDAR, BD3-LM, Fast-dLLM v2). Because
///   no block reads a later one, a key/value cache over finished blocks is exact.
/// - `blockCausalAligned(blockLength: B, boundary: b)`: block-causal on the grid of blocks that
///   has a boundary at position `b` (boundaries at every `b + kB`, so the first block may be
///   shorter): query `i` sees `0..<min(T, e)`, `e` the first boundary after `i`. dllm's BD3LM
///   sampler left-pads the prompt to whole blocks and masks the padding (`_prepare_for_sampling`:
///   `block_ids = pos // block_size`, padding neither query nor key, positions skipping it);
///   without the padding that is this mask with `b` the prompt's length.
/// - `blockCausalCapped(blockLength: B, cap: C, from: s)`: `blockCausal(B)`, except that a query
///   at `s` or later also sees no key past the end of its block of `C` (blocks of `C` counted
///   from position 0 too): Fast-dLLM v2's denoising passes, whose `forward` builds the block mask
///   with its default `block_size` of 32 while the sampler's blocks are `B` (the passes over
///   finished blocks, before `s`, pass `B`). With `C` a multiple of `B` it is `blockCausal(B)`.
/// - `slidingWindow(size: W)`: `max(0, i - W + 1)..<min(T, i + W)`, i.e. `|i - j| < W`: local
///   bidirectional attention (transformers' bidirectional sliding-window overlay).
/// - `causal`: `0..<i + 1`: a query sees itself and what precedes it (DiffusionGemma's prompt
///   encoder on its full-attention layers).
/// - `causalSlidingWindow(size: W)`: `max(0, i - W + 1)..<i + 1`, the last `W` positions up to
///   the query (transformers' `create_sliding_window_causal_mask`: DiffusionGemma's encoder on
///   its sliding layers).
/// - `padding(leading: P)`: `P..<T` for every query: the first `P` positions are left padding
///   that no query reads (LLaDA's `attention_mask` for left-padded batches). Queries at padding
///   positions read the same keys; their outputs mean nothing and are never used.
///
/// A contiguous run per query is what lets the attention kernels take a mask as a key range
/// (a pointer offset and a count), so the full mask runs exactly the unmasked code.
public enum AttentionMask: Sendable, Hashable {
  /// Every query sees every key.
  case full
  /// Blocks of `blockLength` positions; a block sees itself and the blocks before it.
  case blockCausal(blockLength: Int)
  /// Blocks of `blockLength` on the grid through `boundary`; a block sees itself and the
  /// blocks before it.
  case blockCausalAligned(blockLength: Int, boundary: Int)
  /// `blockCausal(blockLength)`, queries from `from` on also held inside their block of `cap`.
  case blockCausalCapped(blockLength: Int, cap: Int, from: Int)
  /// Query `i` sees keys `j` with `|i - j| < size`.
  case slidingWindow(size: Int)
  /// Query `i` sees keys `j <= i`.
  case causal
  /// Query `i` sees keys `j` with `i - size < j <= i`.
  case causalSlidingWindow(size: Int)
  /// The first `leading` positions are hidden from every query.
  case padding(leading: Int)
  /// Every query sees the keys in `range` alone: a block read against part of its cache
  /// (bd3lms' BD3-LM cache, which keeps only the last `model_length` positions).
  case keys(Range<Int>)

  /// The key positions query `query` attends to in a canvas of `canvasLength` positions.
  ///
  /// - Precondition: `0 <= query < canvasLength`, and the mask is valid (`validate`).
  public func keys(for query: Int, canvasLength: Int) -> Range<Int> {
    switch self {
    case .full:
      return 0..<canvasLength
    case .blockCausal(let blockLength):
      return 0..<min(canvasLength, (query / blockLength + 1) * blockLength)
    case .blockCausalAligned(let blockLength, let boundary):
      // (query - boundary) mod B, non-negative: the query's offset inside its block.
      let offset = ((query - boundary) % blockLength + blockLength) % blockLength
      return 0..<min(canvasLength, query - offset + blockLength)
    case .blockCausalCapped(let blockLength, let cap, let from):
      let end = (query / blockLength + 1) * blockLength
      let capped = query >= from ? min(end, (query / cap + 1) * cap) : end
      return 0..<min(canvasLength, capped)
    case .slidingWindow(let size):
      return max(0, query - size + 1)..<min(canvasLength, query + size)
    case .causal:
      return 0..<(query + 1)
    case .causalSlidingWindow(let size):
      return max(0, query - size + 1)..<(query + 1)
    case .padding(let leading):
      return min(leading, canvasLength - 1)..<canvasLength
    case .keys(let range):
      let upper = min(range.upperBound, canvasLength)
      return min(range.lowerBound, upper - 1)..<upper
    }
  }

  /// Whether every query of any canvas sees every key (the plain bidirectional pass).
  public var isFull: Bool {
    switch self {
    case .full: return true
    case .padding(let leading): return leading == 0
    default: return false
    }
  }

  /// The mask's name on the command line and in traces: `full`, `block-causal`, `sliding`,
  /// `padding`.
  public var name: String {
    switch self {
    case .full: return "full"
    case .blockCausal, .blockCausalAligned, .blockCausalCapped: return "block-causal"
    case .slidingWindow: return "sliding"
    case .causal: return "causal"
    case .causalSlidingWindow: return "causal-sliding"
    case .padding: return "padding"
    case .keys: return "keys"
    }
  }

  /// Refuses sizes that select no key: a block length or window below 1, negative padding.
  public func validate() throws {
    switch self {
    case .full: return
    case .blockCausal(let blockLength) where blockLength < 1:
      throw PredictorError.invalidMask("block length must be at least 1, got \(blockLength)")
    case .blockCausalAligned(let blockLength, _) where blockLength < 1,
      .blockCausalCapped(let blockLength, _, _) where blockLength < 1:
      throw PredictorError.invalidMask("block length must be at least 1, got \(blockLength)")
    case .blockCausalCapped(_, let cap, _) where cap < 1:
      throw PredictorError.invalidMask("cap must be at least 1, got \(cap)")
    case .slidingWindow(let size) where size < 1,
      .causalSlidingWindow(let size) where size < 1:
      throw PredictorError.invalidMask("window must be at least 1, got \(size)")
    case .padding(let leading) where leading < 0:
      throw PredictorError.invalidMask("padding must be non-negative, got \(leading)")
    case .keys(let range) where range.isEmpty || range.lowerBound < 0:
      throw PredictorError.invalidMask("the key range \(range) selects no key")
    default: return
    }
  }
}
