/// Keys and values of every layer for a whole canvas, as Fast-dLLM's `past_key_values` holds
/// them: filled by a full forward pass at the start of a block, then read by the cached steps,
/// which overwrite only the rows they recompute (`replace_position` in Fast-dLLM's dual cache).
///
/// Keys are stored after RoPE at their absolute positions. Fast-dLLM stores them before RoPE and
/// rotates the whole cache again on every step with the same angles, which gives the same
/// values; rotating once saves that pass.
///
/// Layout per layer: `[T, kvHeads · d]` row-major, the layout the projections write. A cache
/// belongs to one run: passes that write it run one after another (hence `@unchecked Sendable`).
public final class KVCache: @unchecked Sendable {
  /// Canvas positions the cache covers (`T`).
  public let positions: Int
  /// Floats per position per layer (`kvHeads · headDimension`).
  public let width: Int
  /// Layers.
  public let layers: Int
  private let keys: UnsafeMutablePointer<Float>
  private let values: UnsafeMutablePointer<Float>

  /// An empty cache (zeros) for `layers` layers of `positions` rows of `width` floats.
  public init(layers: Int, positions: Int, width: Int) {
    precondition(layers >= 0 && positions >= 0 && width >= 0, "cache sizes must be non-negative")
    self.layers = layers
    self.positions = positions
    self.width = width
    let count = layers * positions * width
    keys = .allocate(capacity: max(1, count))
    values = .allocate(capacity: max(1, count))
    keys.initialize(repeating: 0, count: max(1, count))
    values.initialize(repeating: 0, count: max(1, count))
  }

  deinit {
    keys.deallocate()
    values.deallocate()
  }

  /// Keys of `layer`: `[T, width]`.
  public func keys(layer: Int) -> UnsafeMutablePointer<Float> {
    keys + layer * positions * width
  }

  /// Values of `layer`: `[T, width]`.
  public func values(layer: Int) -> UnsafeMutablePointer<Float> {
    values + layer * positions * width
  }

  /// Bytes held (keys and values of every layer).
  public var byteCount: Int { 2 * layers * positions * width * MemoryLayout<Float>.stride }
}
