/// What a mixture-of-experts model holds and what one token uses of it: the figures model cards
/// quote ("16B in all, 1.4B active"), counted from the loaded layers.
public struct ExpertSummary: Sendable, Equatable {
  /// Layers with routed experts.
  public var moeLayers: Int
  /// All layers.
  public var layers: Int
  /// Routed experts per MoE layer.
  public var experts: Int
  /// Experts each token is routed to.
  public var topK: Int
  /// Whether a shared expert runs on every token too.
  public var hasSharedExpert: Bool
  /// Every parameter.
  public var totalParameters: Int
  /// The parameters one token's pass multiplies: everything but the routed experts it does
  /// not choose (`total - routed · (1 - topK / experts)`), embeddings counted whole, as model
  /// cards count them.
  public var activeParameters: Int

  /// `stack`'s summary, or nil when no layer has routed experts.
  public init?(_ stack: TransformerStack) {
    let mixtures = stack.blocks.compactMap { $0.feedForward as? MixtureOfExperts }
    guard let first = mixtures.first else { return nil }
    moeLayers = mixtures.count
    layers = stack.blocks.count
    experts = first.experts.count
    topK = first.router.topK
    hasSharedExpert = first.shared != nil
    totalParameters = stack.parameterCount
    var idle = 0
    for m in mixtures {
      let routed = m.experts.reduce(0) { $0 + $1.parameterCount }
      idle += routed - routed * m.router.topK / max(m.experts.count, 1)
    }
    activeParameters = totalParameters - idle
  }
}
