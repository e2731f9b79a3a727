import Foundation

/// Tokens each expert of each mixture-of-experts layer received, counted from every pass
/// (`MixtureOfExperts.onRouting`) until the next `take()`: what expert-load traces record per
/// step. Counting is O(rows · top-k) per layer call, beside GEMMs of rows · model · hidden.
///
/// A meter belongs to one model; passes that run together (a batch's lanes) are counted
/// together.
public final class ExpertLoadMeter: @unchecked Sendable {
  /// Mixture-of-experts layers, in depth order (dense layers are not counted).
  public let layers: Int
  /// Routed experts per layer.
  public let expertCount: Int
  private let lock = NSLock()
  private var counts: [Int32]

  /// A meter for `layers` layers of `expertCount` experts.
  public init(layers: Int, expertCount: Int) {
    self.layers = layers
    self.expertCount = expertCount
    counts = [Int32](repeating: 0, count: layers * expertCount)
  }

  /// Adds one call's routing at mixture-of-experts layer `layer` (0-based among them).
  public func record(layer: Int, _ routing: ExpertRouting) {
    guard layer >= 0, layer < layers, routing.expertCount == expertCount else { return }
    lock.lock()
    defer { lock.unlock() }
    for e in routing.experts { counts[layer * expertCount + e] += 1 }
  }

  /// `[layers · expertCount]`, row-major by layer: the tokens routed since the last call; the
  /// counts start again from zero.
  public func take() -> [Int32] {
    lock.lock()
    defer { lock.unlock() }
    let taken = counts
    for i in counts.indices { counts[i] = 0 }
    return taken
  }
}
