import UnmaskCore

/// Where one run's logits come from, step by step, and the one place that knows whether and
/// how a key/value cache is used.
///
/// The denoising loop asks each run's source for the canvases its step needs (`plan`), runs
/// every run's canvases in one `ForwardRequest`, and hands each source back its results
/// (`logits(from:)`). Nothing else in the sampler looks at the cache mode.
///
/// Sources, one file each: `PlainLogits` (a full pass), `GuidedLogits` (LLaDA's classifier-free
/// guidance: a second, unconditional canvas), `FastDLLMCache` (Fast-dLLM's prefix and dual
/// caches, an approximation on bidirectional models) and `BlockCausalCache` (the exact cache of
/// block-causal models).
protocol LogitSource: AnyObject {
  /// Forward passes one step costs (the run's `forwardPasses` counts them).
  var passesPerStep: Int { get }

  /// Whether a block is left as soon as it has no mask (Fast-dLLM's cached samplers do).
  var leavesCompleteBlocks: Bool { get }

  /// The canvases this step's pass computes for `run`, asking for `rows` (the rows the step
  /// reads: `.all`, or the positions it proposes at).
  func plan(_ run: Run, block: Range<Int>, stepInBlock: Int, rows: LogitRows) throws
    -> [ForwardCanvas]

  /// The step's logits from the pass's results for the planned canvases, and which rows they
  /// hold (`.all`: `[T, V]`; `.positions(p)`: `[p.count, V]`).
  func logits(from results: [Matrix], of run: Run) throws -> (logits: Matrix, rows: LogitRows)

  /// A commit rule of the source's own for this step, or nil to let the strategy decide
  /// (Fast-dLLM's cached Dream sampler commits the block's first position alone at its start).
  func blockStartCommit(_ context: StepContext, block: Range<Int>) -> [ScoredPosition]?

  /// The mask of the passes `plan` just returned, given the run's: a source may change it for
  /// passes of its own kind (Fast-dLLM v2's sub-block passes against the block cache attend
  /// without a mask).
  func mask(ofPlanned runMask: AttentionMask?) -> AttentionMask?
}

extension LogitSource {
  /// Blocks run their scheduled steps.
  var leavesCompleteBlocks: Bool { false }
  /// The strategy decides.
  func blockStartCommit(_ context: StepContext, block: Range<Int>) -> [ScoredPosition]? { nil }
  /// The run's mask.
  func mask(ofPlanned runMask: AttentionMask?) -> AttentionMask? { runMask }
}

/// The source a run with `settings` on `model` uses (a fresh one per run: caches are per run).
func makeLogitSource(model: MaskPredictor, settings: DenoisingSettings) throws -> any LogitSource {
  switch settings.cache {
  case .none:
    return settings.cfgScale > 0
      ? GuidedLogits(model: model, scale: settings.cfgScale) : PlainLogits(model: model)
  case .prefix, .dual:
    guard model.makeKVCache(positions: 1) != nil else {
      throw SamplingError.invalidSetting(
        field: "cache", message: "\(settings.cache.rawValue) needs a model with a key/value cache")
    }
    return FastDLLMCache(
      model: model, mode: settings.cache, commitsBlockStartFirst: settings.proposal == .dream)
  case .exact:
    return try BlockCausalCache(
      model: model,
      blockLength: settings.blockLayout.isGrid || settings.blockCausal
        ? settings.blockLength : nil,
      alignedToPrompt: settings.blockCausal,
      staleSubBlock: settings.useBlockCache
        ? settings.strategy.parameters(as: SubBlockThresholdRemasking.Parameters.self)?
          .subBlockLength : nil)
  }
}
