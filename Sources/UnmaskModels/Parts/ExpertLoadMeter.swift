import Foundation

/// Tokens each expert of each mixture-of-experts layer received, counted from every pass
/// (`MixtureOfExperts.onRouting`) until the next `take()`: what expert-load traces record per
/// step. Counting is O(rows · top-k) per layer call, beside GEMMs of rows · model · hidden.
///
/// It also keeps which experts each canvas position chose (`takeChoices()`), when the network
/// labels the rows of each layer call with their positions (`label(positions:)`, done by
/// `TransformerStack` when it holds the meter; `tracksPositions`).
///
/// A meter belongs to one model; passes that run together (a batch's lanes) are counted
/// together, and positions are those of the pass's first canvas.
public final class ExpertLoadMeter: @unchecked Sendable {
  /// Mixture-of-experts layers, in depth order (dense layers are not counted).
  public let layers: Int
  /// Routed experts per layer.
  public let expertCount: Int
  /// Experts each token chooses.
  public let topK: Int
  /// Positions tracked by `takeChoices()`; 0 until `watchPositions(canvasLength:)`.
  public private(set) var canvasLength = 0
  /// Whether the network labels rows with positions, so that choices can be kept.
  public internal(set) var tracksPositions = false
  private let lock = NSLock()
  private var counts: [Int32]
  private var rowPositions: [Int32] = []
  private var choices: [Int16] = []

  /// A meter for `layers` layers of `expertCount` experts, `topK` chosen per token.
  public init(layers: Int, expertCount: Int, topK: Int) {
    self.layers = layers
    self.expertCount = expertCount
    self.topK = topK
    counts = [Int32](repeating: 0, count: layers * expertCount)
  }

  /// From now on keeps each position's choices for positions `0..<canvasLength` (0 stops).
  public func watchPositions(canvasLength: Int) {
    lock.lock()
    defer { lock.unlock() }
    self.canvasLength = max(canvasLength, 0)
    choices = [Int16](repeating: -1, count: layers * self.canvasLength * topK)
  }

  /// The canvas position of each row the next layer call routes (-1: a row not tracked, such as
  /// another canvas's). Called by the network before each feed-forward layer.
  public func label(positions: [Int32]) {
    lock.lock()
    defer { lock.unlock() }
    rowPositions = positions
  }

  /// Adds one call's routing at mixture-of-experts layer `layer` (0-based among them).
  public func record(layer: Int, _ routing: ExpertRouting) {
    guard layer >= 0, layer < layers, routing.expertCount == expertCount else { return }
    lock.lock()
    defer { lock.unlock() }
    for e in routing.experts { counts[layer * expertCount + e] += 1 }
    guard canvasLength > 0, routing.topK == topK, rowPositions.count == routing.rows else { return }
    for (row, position) in rowPositions.enumerated() where position >= 0 && position < canvasLength
    {
      let to = (layer * canvasLength + Int(position)) * topK
      for j in 0..<topK { choices[to + j] = Int16(routing.experts[row * topK + j]) }
    }
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

  /// `[layers, canvasLength, topK]`: the experts each position chose (best first) in its last
  /// routing since the previous call, -1 where it was not routed (a cached position, a row the
  /// last layer skips); then all -1 again.
  public func takeChoices() -> [Int16] {
    lock.lock()
    defer { lock.unlock() }
    let taken = choices
    for i in choices.indices { choices[i] = -1 }
    return taken
  }
}
