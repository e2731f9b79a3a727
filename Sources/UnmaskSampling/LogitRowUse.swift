/// Which rows of a step's logits a remasking strategy reads.
///
/// Most strategies score only the candidates (the masked positions up to the block's end) from
/// their proposals: LLaDA's `confidence = where(mask_index, x0_p, -inf)` and Dream's
/// `confidence[mask_index]` never look at another row. The denoiser then asks the model for
/// those rows only (`LogitRows.positions`), which spares the last block's queries, attention,
/// MLP and the output head for every other row, with the candidates' logits unchanged bit for
/// bit. A strategy that reads committed positions, positions beyond the block or whole
/// distributions of other positions (token editing, WINO, ReMDM, KLASS) must say `.all`, the
/// default.
public enum LogitRowUse: Sendable, Equatable {
  /// Any row may be read: the forward pass computes all of them.
  case all
  /// Only the rows of this step's candidates (and, with `scoreAllMasked`, of the masked
  /// positions after the block, which traces score).
  case candidates
  /// The candidates' rows and every row of the current block, committed positions included
  /// (SDAR's `generate.py` proposes at all of the block's positions and may rewrite them).
  case block
}
