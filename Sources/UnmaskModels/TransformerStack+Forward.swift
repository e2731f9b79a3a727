import Foundation
import UnmaskCore
import UnmaskKernels

// The one forward pass. Whatever a request holds (one canvas or a batch, whole canvases or
// cached windows, every row or a few, any mask), its windows are packed row after row so that
// every projection reads its weights once for all of them, while RoPE, the cache and attention
// stay per canvas: canvas i's queries sit at their absolute positions and attend only to its
// own keys (its cache's, or its own rows'), exactly as if it ran alone.
//
// Row restriction: when a canvas asks for some rows only, every layer still computes keys and
// values for all of its rows, and the last layer computes queries, attention, output
// projection, feed-forward, final norm and head for the rows asked for alone. Each row goes
// through the kernels on its own, so a row computed has the same bits whichever others are.

extension TransformerStack {
  /// Raw logits for each canvas of `request` under `mask` (the request's own mask wins):
  /// `[window.count, V]`, or `[n, V]` for `.positions`; row `j` is the network's output at
  /// position `window.lowerBound + j` (or `positions[j]`). Canvases with a cache leave every
  /// window position's keys and values in it.
  ///
  /// On `.blas` a restricted request computes every row and gathers them: BLAS may block a GEMM
  /// of a few rows differently from one of `T` rows (measured: Dream's rows moved in the last
  /// bits), and the rows read must not depend on which others were asked for.
  public func logits(for request: ForwardRequest, mask: AttentionMask = .full) throws -> [Matrix] {
    let mask = request.mask ?? mask
    try mask.validate()
    let plan = try ForwardPlan(request, embeddingRows: embeddingRows)
    if plan.lanes.isEmpty { return [] }
    if plan.restricted && KernelPath.current == .blas {
      return request.gatherRows(from: try logits(for: request.allRows, mask: mask))
    }
    let d = modelDimension
    let x = UnsafeMutablePointer<Float>.allocate(capacity: plan.rows * d)
    defer { x.deallocate() }
    for lane in plan.lanes {
      embed(lane.tokens, positions: lane.window, into: x + lane.segment.lowerBound * d)
    }
    // RoPE angles per packed row: each window at its absolute positions.
    let tables = ropeTables(
      packing: plan.lanes.map(\.window), canvasLength: plan.lanes.map(\.tokens.count).max() ?? 0)
    let keptTables =
      plan.restricted ? plan.keptTables(tables, half: rope.rotatedPairs) : tables
    let scratch = buffers.takeScratch(tokens: plan.rows, make: makeScratch)
    defer { buffers.giveBack(scratch) }
    // A DiT's condition c per canvas, [lanes, cond], from each canvas's noise level.
    let conditions = conditioning?.conditions(for: plan.lanes.map(\.sigma))
    for (layer, block) in blocks.enumerated() {
      let keeping = plan.restricted && layer == blocks.count - 1
      forward(
        block, layer: layer, x: x, plan: plan, keeping: keeping, mask: mask,
        tables: (tables, keeping ? keptTables : tables), conditions: conditions, scratch: scratch)
    }
    // x holds each lane's kept rows, compacted in order: [Σn_i, model] -> [n_i, V] each.
    let kept = plan.restricted ? plan.lanes.map(\.keptCount) : plan.lanes.map(\.segment.count)
    finalNorm.apply(x, rows: kept.reduce(0, +), into: x)
    if let finalModulation, let conditions {
      finalModulation.vectors(for: conditions, canvases: plan.lanes.count)
        .modulate(x, rows: plan.laneRows(compacted: plan.restricted), shift: 0, scale: 1)
    }
    var first = 0
    return kept.map { count in
      defer { first += count }
      return logits(ofNormed: x + first * d, rows: count)
    }
  }

  /// One block over the packed rows of `x`, in place. With `keeping`, the rows past keys and
  /// values are each lane's kept rows only, and `x` ends holding them compacted in order.
  private func forward(
    _ block: TransformerBlock, layer: Int, x: UnsafeMutablePointer<Float>, plan: ForwardPlan,
    keeping: Bool, mask: AttentionMask,
    tables: (all: (cos: [Float], sin: [Float]), kept: (cos: [Float], sin: [Float])),
    conditions: [Float]?, scratch s: ForwardScratch
  ) {
    let model = modelDimension
    let kvWidth = attention.kvHeads * attention.headDimension
    let qWidth = attention.heads * attention.headDimension
    let keptRows = keeping ? plan.keptPackedRows : nil
    // adaLN (DiT): chunks 0-2 shift, scale and gate attention, 3-5 the feed-forward layer.
    let modulation = conditions.flatMap {
      block.modulation?.vectors(for: $0, canvases: plan.lanes.count)
    }
    block.attentionNorm.apply(x, rows: plan.rows, into: s.normed)
    modulation?.modulate(s.normed, rows: plan.laneRows(compacted: false), shift: 0, scale: 1)
    block.attention.project(
      s.normed, rows: plan.rows, keeping: keptRows, tables: tables.all, keptTables: tables.kept,
      rope: rope, queries: s.query, keys: s.key, values: s.value, fused: s.fused)
    SelfAttention.compact(x, width: model, rows: keptRows)
    var first = 0  // the lane's first query row (compacted when keeping)
    for lane in plan.lanes {
      let positions = keeping ? lane.keptPositions : Array(lane.window)
      var keys = UnsafePointer(s.key + lane.segment.lowerBound * kvWidth)
      var values = UnsafePointer(s.value + lane.segment.lowerBound * kvWidth)
      if let cache = lane.cache {
        // The window's keys and values replace its rows of the cache; its queries read all.
        let offset = lane.window.lowerBound * kvWidth
        (cache.keys(layer: layer) + offset).update(from: keys, count: lane.segment.count * kvWidth)
        (cache.values(layer: layer) + offset).update(
          from: values, count: lane.segment.count * kvWidth)
        keys = UnsafePointer(cache.keys(layer: layer))
        values = UnsafePointer(cache.values(layer: layer))
      }
      block.attention.attend(
        queries: s.query + first * qWidth, positions: positions, keys: keys, values: values,
        canvasLength: lane.tokens.count, mask: mask, into: s.attended + first * qWidth)
      first += positions.count
    }
    let rows = first
    let laneRows = plan.laneRows(compacted: keeping)
    block.attention.output.apply(s.attended, rows: rows, into: s.sublayer)
    modulation?.gate(s.sublayer, rows: laneRows, chunk: 2)
    add(s.sublayer, into: x, count: rows * model)
    block.feedForwardNorm.apply(x, rows: rows, into: s.normed)
    modulation?.modulate(s.normed, rows: laneRows, shift: 3, scale: 4)
    if let meter = expertLoad, meter.canvasLength > 0 {
      // Rows of the first canvas by position, the others untracked (-1).
      meter.label(
        positions: plan.lanes.enumerated().flatMap { index, lane in
          (keeping ? lane.keptPositions : Array(lane.window)).map { index == 0 ? Int32($0) : -1 }
        })
    }
    block.feedForward.apply(s.normed, rows: rows, into: s.sublayer, scratch: s.feedForward)
    modulation?.gate(s.sublayer, rows: laneRows, chunk: 5)
    add(s.sublayer, into: x, count: rows * model)
  }

  /// The output head over `rows` final-normed rows of `x` (`[rows, model] -> [rows, V]`),
  /// scaled and soft-capped when the checkpoint asks for it.
  func logits(ofNormed x: UnsafePointer<Float>, rows: Int) -> Matrix {
    var result = Matrix(rows: rows, columns: vocabularySize)
    guard rows > 0 else { return result }
    result.values.withUnsafeMutableBufferPointer { out in
      guard let base = out.baseAddress else { return }
      head.apply(x, rows: rows, into: base)
      if logitScale != 1 { for i in 0..<out.count { base[i] *= logitScale } }
      if let cap = logitSoftcap { for i in 0..<out.count { base[i] = cap * tanh(base[i] / cap) } }
    }
    return result
  }

  /// The residual add, `x += source`, spread over the threads (the same bits at any count).
  private func add(_ source: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int)
  {
    ComputeThreads.forEachSlice(count) { start, end in
      for i in start..<end { x[i] += source[i] }
    }
  }
}
