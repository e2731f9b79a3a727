/// Anything that maps token canvases to logits: the one view of a model the sampler has.
///
/// LLaDA's reference code calls its model the "mask predictor"; Dream's model is one too once
/// its logits are shifted, which conformers do themselves so that callers never have to know.
/// Every pass (one canvas or a batch, whole or a cached window, all rows or some, any mask)
/// goes through `logits(for: ForwardRequest)`; what a model cannot do it refuses there with a
/// `PredictorError`, so no caller looks for a capability by a cast.
public protocol MaskPredictor: AnyObject {
  /// Number of logits per position (`V`).
  var vocabularySize: Int { get }

  /// The attention mask the model was trained with: what a request without a mask gets.
  var attentionMask: AttentionMask { get }

  /// An empty key/value cache for a canvas of `positions` tokens, or nil when the model keeps
  /// none (a request with a cache then throws).
  func makeKVCache(positions: Int) -> KVCache?

  /// Whether the logits of position `p` come from the network's row `p - 1` (Dream's and
  /// Fast-dLLM v2's shift), so a cached window must start a row before the first row read.
  var readsPreviousRow: Bool { get }

  /// How many positions the reference's key/value cache holds before it drops its oldest block
  /// (bd3lms' BD3-LM: `model_length`, its sampler reading only those), or nil when a cache
  /// holds the whole canvas.
  var rollingCacheLength: Int? { get }

  /// Whether the network's output depends on `ForwardCanvas.sigma` (a time-conditioned DiT):
  /// then a pass at one noise level cannot stand in for another (MDLM's `ddpm_cache`).
  var conditionsOnNoiseLevel: Bool { get }

  /// Logits for each canvas of `request`, in order: `[window.count, V]`, or `[n, V]` when the
  /// canvas asks for `.positions`. Row `j` is the prediction for position
  /// `window.lowerBound + j` (or `positions[j]`), as generation reads it.
  ///
  /// - Throws: when a token is outside the vocabulary, a canvas is empty, or the request needs
  ///   what the model does not have (`PredictorError`).
  func logits(for request: ForwardRequest) throws -> [Matrix]
  /// The model as a prompt encoder and canvas decoder, when that is how it runs (DiffusionGemma:
  /// uniform-state diffusion with no mask, whose `logits(for:)` refuses every request); nil for
  /// masked-diffusion models.
  var canvasDecoder: (any CanvasDecoder)? { get }
}

extension MaskPredictor {
  /// Bidirectional attention over the whole canvas, as masked diffusion models are trained.
  public var attentionMask: AttentionMask { .full }

  /// No cache.
  public func makeKVCache(positions: Int) -> KVCache? { nil }

  /// Row `p` predicts position `p`.
  public var readsPreviousRow: Bool { false }

  /// No noise input.
  public var conditionsOnNoiseLevel: Bool { false }

  /// A cache holds the whole canvas.
  public var rollingCacheLength: Int? { nil }
  /// A masked-diffusion model.
  public var canvasDecoder: (any CanvasDecoder)? { nil }

  /// Logits `[T, V]` for one canvas; row `i` is the prediction for position `i`.
  public func logits(for tokens: [Int32]) throws -> Matrix {
    try logits(for: tokens, rows: .all)
  }

  /// The rows `rows` of `logits(for: tokens)`, bit for bit: `[T, V]` for `.all`, `[n, V]` for
  /// `.positions`.
  public func logits(for tokens: [Int32], rows: LogitRows) throws -> Matrix {
    let out = try logits(for: ForwardRequest(tokens: tokens, rows: rows))
    guard out.count == 1, let matrix = out.first else {
      throw PredictorError.unsupported("one canvas in gave \(out.count) results")
    }
    return matrix
  }
}
