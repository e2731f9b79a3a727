/// Which key/value cache a run uses, by the names the CLI, configs and traces share.
///
/// `prefix` and `dual` are Fast-dLLM's: every block starts with a full forward pass that fills
/// the cache and makes the block's first step; the block's later steps recompute only part of
/// the canvas against the cache. Positions that are not recomputed keep the keys, values and
/// logits of the block's first pass: that is the approximation the reference makes on
/// bidirectional models, so outputs differ from `none`. `exact` is the cache of block-causal
/// models, where no block reads a later one: it gives the tokens `none` gives.
public enum CacheMode: String, CaseIterable, Codable, Sendable {
  /// No cache: every step is a full forward pass.
  case none
  /// `generate_with_prefix_cache`: steps recompute the block and everything after it; the
  /// prompt and earlier blocks come from the cache.
  case prefix
  /// `generate_with_dual_cache`: steps recompute the block only; positions before and after it
  /// come from the cache.
  case dual
  /// Block-causal models only: finished blocks' keys and values are kept and each step
  /// recomputes from the first block that changed (see `BlockCausalCache`); equal to `none`.
  case exact
}
