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
  ///
  /// With enough experts picked to keep every thread busy, threads go over experts (each
  /// expert's GEMMs on one thread, the next expert to whichever thread is free), which skips a
  /// hand-off per GEMM; otherwise one expert at a time, its GEMM tiles over the threads. Either
  /// way each expert's output has the same bits, and each row's terms are added in expert
  /// order, so the result does not depend on the threads.
  public func mix(
    _ x: UnsafePointer<Float>, routing: ExpertRouting, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let model = modelDimension
    let rows = routing.rows
    let (offsets, entries) = routing.grouped()
    let picked = experts.indices.filter { offsets[$0 + 1] > offsets[$0] }
    if picked.count >= 2 * ComputeThreads.count, ComputeThreads.count > 1 {
      mixOverExperts(x, routing: routing, grouped: (offsets, entries), picked: picked, into: output)
    } else {
      // [rows, model] each: one expert's gathered inputs, then its outputs.
      let gathered = scratch + router.scratchCount(rows: rows)
      let produced = gathered + rows * model
      let expertScratch = produced + rows * model
      output.update(repeating: 0, count: rows * model)
      for e in picked {
        let group = entries[offsets[e]..<offsets[e + 1]]
        for (i, entry) in group.enumerated() {
          (gathered + i * model).update(from: x + entry.row * model, count: model)
        }
        experts[e].apply(gathered, rows: group.count, into: produced, scratch: expertScratch)
        for (i, entry) in group.enumerated() {
          let source = produced + i * model
          let target = output + entry.row * model
          for c in 0..<model { target[c] += entry.weight * source[c] }
        }
      }
    }
    if let shared {
      let produced = scratch + router.scratchCount(rows: rows) + rows * model
      let expertScratch = produced + rows * model
      shared.apply(x, rows: rows, into: produced, scratch: expertScratch)
      for i in 0..<(rows * model) { output[i] += produced[i] }
    }
  }

  /// `mix`'s routed part with threads over experts: every picked expert's tokens gathered into
  /// one block `[entries, model]`, each expert run on one thread, then each row summed from zero
  /// in expert order (rows over the threads).
  private func mixOverExperts(
    _ x: UnsafePointer<Float>, routing: ExpertRouting,
    grouped: (offsets: [Int], entries: [(row: Int, weight: Float)]), picked: [Int],
    into output: UnsafeMutablePointer<Float>
  ) {
    let model = modelDimension
    let (offsets, entries) = grouped
    let count = entries.count
    ScratchBuffers.with(byteCount: 2 * count * model * MemoryLayout<Float>.stride) { raw in
      let inputs = raw.bindMemory(to: Float.self, capacity: 2 * count * model)
      let outputs = inputs + count * model
      ComputeThreads.parallelForEach(picked.count) { j in
        let e = picked[j]
        let range = offsets[e]..<offsets[e + 1]
        for i in range {
          (inputs + i * model).update(from: x + entries[i].row * model, count: model)
        }
        ScratchBuffers.with(byteCount: range.count * expertScratchPerRow * 4) { s in
          experts[e].apply(
            inputs + range.lowerBound * model, rows: range.count,
            into: outputs + range.lowerBound * model,
            scratch: s.bindMemory(to: Float.self, capacity: range.count * expertScratchPerRow))
        }
      }
      // Each row's entries in expert order (experts ascending, as the serial loop adds them).
      let k = routing.topK
      var slots = [Int](repeating: 0, count: routing.rows * k)
      var filled = [Int](repeating: 0, count: routing.rows)
      for e in picked {
        for i in offsets[e]..<offsets[e + 1] {
          let row = entries[i].row
          slots[row * k + filled[row]] = i
          filled[row] += 1
        }
      }
      ComputeThreads.parallelFor(routing.rows) { row in
        let target = output + row * model
        target.update(repeating: 0, count: model)
        for j in 0..<filled[row] {
          let i = slots[row * k + j]
          let source = outputs + i * model
          let weight = entries[i].weight
          for c in 0..<model { target[c] += weight * source[c] }
        }
      }
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
