import UnmaskKernels

/// A sparse mixture of SwiGLU experts with optional shared experts (LLaDA-MoE, LLaDA2,
/// Qwen-MoE style):
///
///     y[t] = Σ_{e ∈ topK(t)} w[t, e] · Expert_e(x[t])  +  Shared(x[t])
///
/// Computed grouped, as dllm's inference paths do: route every token (`ExpertRouter`), group
/// the tokens by expert, gather each expert's tokens into one contiguous block
/// `[n_e, model]`, run that expert's three GEMMs once over the block, and scatter-add
/// `w · out` back to the tokens' rows. Experts run in ascending order and each row's sum starts
/// from zero, so a token's terms are added in expert order, as LLaDA-MoE's `index_add_` loop
/// adds them. An expert no token picks is never touched: its weights (mmap'd) are not read.
/// The shared expert (`shared_expert` / `shared_experts`) sees every token and is added last.
///
/// `onRouting`, when set, receives each call's `ExpertRouting` (for expert-load traces).
public struct MixtureOfExperts: FeedForward {
  /// Chooses each token's experts and weights.
  public let router: ExpertRouter
  /// The routed experts, indexed as the router's gate rows.
  public let experts: [SwiGLUFeedForward]
  /// The always-on expert added to the routed sum, if the model has one.
  public let shared: SwiGLUFeedForward?
  /// Called with every call's routing, after the output is written (nil: no observer).
  public var onRouting: (@Sendable (ExpertRouting) -> Void)?

  /// Floats of expert scratch per row: the largest expert's, shared included (a SwiGLU
  /// expert's scratch is linear in its rows).
  private let expertScratchPerRow: Int

  /// A mixture from its router, `router.expertCount` experts and an optional shared expert,
  /// all over the same `model` features.
  public init(
    router: ExpertRouter, experts: [SwiGLUFeedForward], shared: SwiGLUFeedForward? = nil,
    onRouting: (@Sendable (ExpertRouting) -> Void)? = nil
  ) throws {
    guard experts.count == router.expertCount else {
      throw ShapeError(
        tensor: router.gate.weight.name, expected: "one row per expert (\(experts.count))",
        found: router.gate.weight.shape)
    }
    let everyExpert = experts + (shared.map { [$0] } ?? [])
    for expert in everyExpert where expert.modelDimension != router.modelDimension {
      throw ShapeError(
        tensor: expert.down.weight.name, expected: "\(router.modelDimension) output features",
        found: expert.down.weight.shape)
    }
    self.router = router
    self.experts = experts
    self.shared = shared
    self.onRouting = onRouting
    expertScratchPerRow = everyExpert.map { $0.scratchCount(rows: 1) }.max() ?? 0
  }

  /// Features per row (`model`).
  public var modelDimension: Int { router.modelDimension }

  /// One expert's hidden width.
  public var hiddenDimension: Int { experts.first?.hiddenDimension ?? 0 }

  /// Logits `[rows, E]`, gathered rows and an expert's output `[rows, model]` each, and the
  /// largest expert's scratch for `rows` rows (no expert sees more rows than the call has).
  public func scratchCount(rows: Int) -> Int {
    router.scratchCount(rows: rows) + 2 * rows * modelDimension + rows * expertScratchPerRow
  }

  /// Routes, runs each chosen expert once over its tokens, mixes, adds the shared expert.
  public func apply(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let routing = applyReturningRouting(x, rows: rows, into: output, scratch: scratch)
    onRouting?(routing)
  }

  /// `apply`, returning the routing it used (without calling `onRouting`).
  @discardableResult
  public func applyReturningRouting(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) -> ExpertRouting {
    let routing = router.route(x, rows: rows, scratch: scratch)
    mix(x, routing: routing, into: output, scratch: scratch)
    return routing
  }

  /// The experts' part alone, for a routing decided elsewhere (DiffusionGemma routes on the
  /// residual stream but feeds its experts a differently normed copy): `output[t] = Σ w · E(x[t])`
  /// over `routing`'s choices, plus the shared expert. `scratch` as for `apply`.
  public func mix(
    _ x: UnsafePointer<Float>, routing: ExpertRouting, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let model = modelDimension
    let rows = routing.rows
    // [rows, model] each: one expert's gathered inputs, then its outputs.
    let gathered = scratch + router.scratchCount(rows: rows)
    let produced = gathered + rows * model
    let expertScratch = produced + rows * model
    output.update(repeating: 0, count: rows * model)
    let (offsets, entries) = routing.grouped()
    for (e, expert) in experts.enumerated() where offsets[e + 1] > offsets[e] {
      let group = entries[offsets[e]..<offsets[e + 1]]
      for (i, entry) in group.enumerated() {
        (gathered + i * model).update(from: x + entry.row * model, count: model)
      }
      expert.apply(gathered, rows: group.count, into: produced, scratch: expertScratch)
      for (i, entry) in group.enumerated() {
        let source = produced + i * model
        let target = output + entry.row * model
        for c in 0..<model { target[c] += entry.weight * source[c] }
      }
    }
    if let shared {
      shared.apply(x, rows: rows, into: produced, scratch: expertScratch)
      for i in 0..<(rows * model) { output[i] += produced[i] }
    }
  }

  /// Router, every expert and the shared expert.
  public var parameterCount: Int {
    router.parameterCount + experts.reduce(0) { $0 + $1.parameterCount }
      + (shared?.parameterCount ?? 0)
  }

  /// The router, `topK` experts (the largest, when sizes differ) and the shared expert.
  public var multiplyAddsPerToken: Int {
    let largest = experts.map(\.multiplyAddsPerToken).max() ?? 0
    return router.multiplyAddsPerToken + router.topK * largest + (shared?.multiplyAddsPerToken ?? 0)
  }
}
