/// Which of Fast-dLLM's key/value caches a run uses, by the names the CLI, configs and traces
/// share.
///
/// Every block starts with a full forward pass that fills the cache and makes the block's first
/// step; the block's later steps recompute only part of the canvas against the cache. Positions
/// that are not recomputed keep the keys, values and logits of the block's first pass: that is
/// the approximation the reference makes, so outputs differ from `none`.
public enum CacheMode: String, CaseIterable, Codable, Sendable {
  /// No cache: every step is a full forward pass.
  case none
  /// `generate_with_prefix_cache`: steps recompute the block and everything after it; the
  /// prompt and earlier blocks come from the cache.
  case prefix
  /// `generate_with_dual_cache`: steps recompute the block only; positions before and after it
  /// come from the cache.
  case dual
}
