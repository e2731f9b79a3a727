import CBLAS
import Foundation
import UnmaskCore
import UnmaskKernels

/// The encoder's key/value cache of one DiffusionGemma sequence: per layer, the normed and
/// rotated keys and the normed values of every encoded position, `[capacity, Hkv·d]`.
///
/// The encoder appends (the prompt, then each finished canvas); the decoder reads. A decoder
/// pass writes its canvas's keys and values just past the encoded positions, where the next
/// encoder call overwrites them, so the encoded part never changes.
public final class DiffusionGemmaContext: EncodedPrefix, @unchecked Sendable {
  /// Positions encoded so far (the decoder's canvas starts here).
  public private(set) var length = 0
  /// Each layer's keys and values, `capacity` rows.
  private var keys: [UnsafeMutablePointer<Float>]
  private var values: [UnsafeMutablePointer<Float>]
  private let widths: [Int]
  /// Rows allocated per layer.
  private(set) var capacity: Int

  init(widths: [Int], capacity: Int) {
    self.widths = widths
    self.capacity = max(1, capacity)
    keys = widths.map { .allocate(capacity: $0 * max(1, capacity)) }
    values = widths.map { .allocate(capacity: $0 * max(1, capacity)) }
  }

  deinit {
    for buffer in keys + values { buffer.deallocate() }
  }

  /// Makes room for `rows` positions in all.
  func reserve(_ rows: Int) {
    guard rows > capacity else { return }
    let grown = max(rows, capacity * 2)
    for layer in widths.indices {
      let w = widths[layer]
      let k = UnsafeMutablePointer<Float>.allocate(capacity: grown * w)
      let v = UnsafeMutablePointer<Float>.allocate(capacity: grown * w)
      k.update(from: keys[layer], count: capacity * w)
      v.update(from: values[layer], count: capacity * w)
      keys[layer].deallocate()
      values[layer].deallocate()
      keys[layer] = k
      values[layer] = v
    }
    capacity = grown
  }

  func keyRows(layer: Int) -> UnsafeMutablePointer<Float> { keys[layer] }
  func valueRows(layer: Int) -> UnsafeMutablePointer<Float> { values[layer] }
  func advance(by rows: Int) { length += rows }

  /// Layer `layer`'s keys `[length, Hkv·d]`, for checks against the reference's cache.
  public func keys(layer: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: keys[layer], count: length * widths[layer]))
  }
  /// Layer `layer`'s values `[length, Hkv·d]`.
  public func values(layer: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: values[layer], count: length * widths[layer]))
  }
}

/// DiffusionGemma's text network (`DiffusionGemmaForBlockDiffusion` without the vision tower):
/// one set of layers run two ways.
///
/// - `encode`: the causal prompt encoder (`DiffusionGemmaEncoderTextModel`). Full layers see
///   every earlier position, sliding layers the last `sliding_window`; it only fills the cache.
/// - `decode`: the canvas decoder (`DiffusionGemmaDecoderModel` + `lm_head`). The canvas's
///   embeddings get the self-conditioning signal, its positions follow the cache, it attends
///   bidirectionally to itself and to the cache (sliding layers: the `sliding_window - 1`
///   positions a `DynamicSlidingWindowLayer` keeps), and its logits are soft-capped.
public final class DiffusionGemmaNetwork: @unchecked Sendable {
  let configuration: DiffusionGemmaConfiguration
  /// `embed_tokens` `[V, model]`, shared by encoder, decoder, head and self-conditioning.
  let embedding: TensorView
  let layers: [DiffusionGemmaLayer]
  let finalNorm: RMSNorm
  let head: Linear
  /// Self-conditioning (`DiffusionGemmaSelfConditioning`): pre-norm, GeGLU, weight-free post-norm.
  let conditioningNorm: RMSNorm
  let conditioning: SwiGLUFeedForward
  let conditioningPostNorm: RMSNorm
  /// `sqrt(hidden_size)` in float32 (`embed_scale`).
  let embeddingScale: Float
  /// Tokens per expert, per layer, of every pass (encoder and decoder).
  let expertLoad: ExpertLoadMeter

  init(
    configuration: DiffusionGemmaConfiguration, embedding: TensorView,
    layers: [DiffusionGemmaLayer], finalNorm: RMSNorm, head: Linear,
    conditioning: (norm: RMSNorm, mlp: SwiGLUFeedForward, postNorm: RMSNorm)
  ) {
    self.configuration = configuration
    self.embedding = embedding
    self.layers = layers
    self.finalNorm = finalNorm
    self.head = head
    conditioningNorm = conditioning.norm
    self.conditioning = conditioning.mlp
    conditioningPostNorm = conditioning.postNorm
    embeddingScale = Float(Double(configuration.hiddenSize).squareRoot())
    expertLoad = ExpertLoadMeter(
      layers: layers.count, expertCount: configuration.experts, topK: configuration.topK)
  }

  var modelDimension: Int { configuration.hiddenSize }
  var vocabularySize: Int { head.outFeatures }

  /// An empty cache with room for `positions` positions (it grows when needed).
  public func makeContext(positions: Int) -> DiffusionGemmaContext {
    DiffusionGemmaContext(widths: layers.map(\.keyWidth), capacity: positions)
  }

  /// Encodes `tokens` at the positions after `context.length` and appends their keys and values.
  public func encode(_ tokens: [Int32], into context: DiffusionGemmaContext) throws {
    guard !tokens.isEmpty else { return }
    try ModelError.check(tokens, vocabularySize: embedding.shape[0])
    let start = context.length
    context.reserve(start + tokens.count)
    let x = embed(tokens)
    defer { x.deallocate() }
    try run(
      x, rows: tokens.count, positions: start..<(start + tokens.count), context: context,
      encoding: true)
    context.advance(by: tokens.count)
  }

  /// Logits `[C, V]` of `canvas` read after `context`, self-conditioned on `previous`
  /// (`[C, V]` logits of the step before; nil: the first step's zero signal).
  public func decode(
    _ canvas: [Int32], after context: DiffusionGemmaContext, selfConditioning previous: Matrix?
  ) throws -> Matrix {
    guard !canvas.isEmpty else { throw ModelError.emptyCanvas }
    try ModelError.check(canvas, vocabularySize: embedding.shape[0])
    let rows = canvas.count
    if let previous, previous.rows != rows || previous.columns != vocabularySize {
      throw PredictorError.unsupported(
        "self-conditioning logits are [\(previous.rows), \(previous.columns)],"
          + " the canvas needs [\(rows), \(vocabularySize)]")
    }
    let start = context.length
    context.reserve(start + rows)
    let x = embed(canvas)
    defer { x.deallocate() }
    selfCondition(x, rows: rows, previous: previous)
    try run(x, rows: rows, positions: start..<(start + rows), context: context, encoding: false)
    finalNorm.apply(x, rows: rows, into: x)
    var logits = Matrix(rows: rows, columns: vocabularySize)
    logits.values.withUnsafeMutableBufferPointer { out in
      guard let base = out.baseAddress else { return }
      head.apply(x, rows: rows, into: base)
      if let cap = configuration.finalLogitSoftcap {
        let c = Float(cap)
        for i in 0..<out.count { out[i] = c * tanh(out[i] / c) }
      }
    }
    return logits
  }

  /// `embed_tokens(ids) · sqrt(model)`, `[n, model]` (caller deallocates).
  private func embed(_ tokens: [Int32]) -> UnsafeMutablePointer<Float> {
    let d = modelDimension
    let x = UnsafeMutablePointer<Float>.allocate(capacity: tokens.count * d)
    for (row, token) in tokens.enumerated() {
      embedding.convertRows(Int(token)..<(Int(token) + 1), into: x + row * d)
    }
    for i in 0..<(tokens.count * d) { x[i] *= embeddingScale }
    return x
  }

  /// `x = post_norm(x + SC(pre_norm(softmax(previous) · E · sqrt(model))))`, in place; with no
  /// previous logits the soft embedding is zero.
  private func selfCondition(_ x: UnsafeMutablePointer<Float>, rows: Int, previous: Matrix?) {
    let d = modelDimension
    let soft = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
    defer { soft.deallocate() }
    soft.update(repeating: 0, count: rows * d)
    if let previous { softEmbedding(previous, into: soft) }
    let normed = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
    defer { normed.deallocate() }
    conditioningNorm.apply(soft, rows: rows, into: normed)
    let scratch = UnsafeMutablePointer<Float>.allocate(
      capacity: conditioning.scratchCount(rows: rows))
    defer { scratch.deallocate() }
    conditioning.apply(normed, rows: rows, into: soft, scratch: scratch)
    for i in 0..<(rows * d) { x[i] += soft[i] }
    conditioningPostNorm.apply(x, rows: rows, into: x)
  }

  /// `softmax(previous) · E · sqrt(model)` into `out` `[rows, model]`, through BLAS over slabs of
  /// vocabulary: each slab's probabilities `[rows, slab]` from the rows' maxima and sums (float32,
  /// as `softmax(dim=-1, dtype=float32)`), times the slab's embedding rows widened to float32.
  /// Neither the `[C, V]` probabilities nor a float32 copy of a 262k-row table is ever made.
  private func softEmbedding(_ previous: Matrix, into out: UnsafeMutablePointer<Float>) {
    let rows = previous.rows
    let v = previous.columns
    let d = modelDimension
    let slab = min(v, 4096)
    let widened = UnsafeMutablePointer<Float>.allocate(capacity: slab * d)
    let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: rows * slab)
    defer {
      widened.deallocate()
      probabilities.deallocate()
    }
    previous.values.withUnsafeBufferPointer { z in
      guard let base = z.baseAddress else { return }
      var maxima = [Float](repeating: -.infinity, count: rows)
      var inverses = [Float](repeating: 0, count: rows)
      for r in 0..<rows {
        let row = base + r * v
        for j in 0..<v { maxima[r] = max(maxima[r], row[j]) }
        var sum: Float = 0
        for j in 0..<v { sum += expf(row[j] - maxima[r]) }
        inverses[r] = 1 / sum
      }
      var first = 0
      while first < v {
        let count = min(slab, v - first)
        for r in 0..<rows {
          let row = base + r * v + first
          let p = probabilities + r * count
          for j in 0..<count { p[j] = expf(row[j] - maxima[r]) * inverses[r] }
        }
        embedding.convertRows(first..<(first + count), into: widened)
        cblas_sgemm(
          CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(count), 1,
          probabilities, Int32(count), widened, Int32(d), first == 0 ? 0 : 1, out, Int32(d))
        first += count
      }
    }
    for i in 0..<(rows * d) { out[i] *= embeddingScale }
  }

  /// Every layer over `x` `[rows, model]` at `positions`: an encoder pass appends its keys and
  /// values to the context and attends causally; a decoder pass writes its keys and values past
  /// the encoded positions and attends to the visible cache and the whole canvas.
  private func run(
    _ x: UnsafeMutablePointer<Float>, rows: Int, positions: Range<Int>,
    context: DiffusionGemmaContext, encoding: Bool
  ) throws {
    let d = modelDimension
    let widest = layers.map(\.queryWidth).max() ?? 0
    let normed = UnsafeMutablePointer<Float>.allocate(capacity: rows * max(d, widest))
    let queries = UnsafeMutablePointer<Float>.allocate(capacity: rows * widest)
    let attended = UnsafeMutablePointer<Float>.allocate(capacity: rows * widest)
    let buffers = UnsafeMutablePointer<Float>.allocate(capacity: 3 * rows * d)
    let scratchCount = layers.map { $0.feedForwardScratch(rows: rows) }.max() ?? 0
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratchCount))
    defer {
      for buffer in [normed, queries, attended, buffers, scratch] { buffer.deallocate() }
    }
    let window = configuration.slidingWindow
    // One table per layer kind (all sliding layers share a RoPE, all full ones another).
    var tablesByKind: [DiffusionGemmaConfiguration.LayerKind: (cos: [Float], sin: [Float])] = [:]
    for (index, layer) in layers.enumerated() {
      let keys = context.keyRows(layer: index)
      let values = context.valueRows(layer: index)
      let kw = layer.keyWidth
      let tables =
        tablesByKind[layer.kind] ?? ropeTables(layer.rope, positions: positions)
      tablesByKind[layer.kind] = tables
      layer.inputNorm.apply(x, rows: rows, into: normed)
      layer.attention.project(
        normed, rows: rows, keeping: nil, tables: tables, keptTables: tables, rope: layer.rope,
        queries: queries, keys: keys + positions.lowerBound * kw,
        values: values + positions.lowerBound * kw, fused: scratch)
      // The encoder's last layer only adds keys and values: nothing reads its output.
      if encoding && index == layers.count - 1 { break }
      let sliding = layer.kind == .sliding
      if encoding {
        layer.attention.attend(
          queries: queries, positions: Array(positions), keys: keys, values: values,
          canvasLength: positions.upperBound,
          mask: sliding ? .causalSlidingWindow(size: window) : .causal, into: attended)
      } else {
        // The canvas sees the cached positions a DynamicCache keeps and all of itself.
        let first = sliding ? max(0, positions.lowerBound - (window - 1)) : 0
        layer.attention.attend(
          queries: queries, positions: Array(positions), keys: keys + first * kw,
          values: values + first * kw, canvasLength: positions.upperBound - first, mask: .full,
          into: attended)
      }
      layer.attention.output.apply(attended, rows: rows, into: buffers)
      layer.postAttentionNorm.apply(buffers, rows: rows, into: buffers)
      for i in 0..<(rows * d) { x[i] += buffers[i] }
      let routing = layer.feedForward(x, rows: rows, buffers: buffers, scratch: scratch)
      expertLoad.record(layer: index, routing)
      let scalar = encoding ? layer.encoderScalar : layer.decoderScalar
      if scalar != 1 { for i in 0..<(rows * d) { x[i] *= scalar } }
    }
  }

  /// RoPE angles of `positions` under `rope`.
  private func ropeTables(_ rope: RotaryEmbedding, positions: Range<Int>) -> (
    cos: [Float], sin: [Float]
  ) {
    let all = rope.tables(positions: positions.upperBound)
    let pairs = rope.rotatedPairs
    let slice = (positions.lowerBound * pairs)..<(positions.upperBound * pairs)
    return (Array(all.cos[slice]), Array(all.sin[slice]))
  }
}
