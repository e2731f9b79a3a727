import Foundation
import UnmaskCore

// BD3-LM's training forward, the pass its NELBO reads (kuleshov-group/bd3lms diffusion.py
// `_forward_pass_diffusion`, `models/hf/modeling_bd3lm.py` with `sample_mode=False`).
//
// With `cross_attn` the reference runs `x_t ⊕ x_0` (2L rows) under `block_diff_mask` and keeps
// the x_t half's logits. A noisy block b attends to itself (block-diagonal) and to the clean
// blocks before it (offset block-causal); a clean block attends to the clean blocks up to
// itself (block-causal), so the clean half never reads the noisy one. Both halves take RoPE
// positions 0..<L and one condition c(σ) per sequence.
//
// So the x_t rows of block b are the rows of block b in a block-causal pass over the canvas
// `x_0[0..<bB] ++ x_t[block b]`: its queries see exactly the noisy block and the clean blocks
// before it, and the clean blocks' keys and values at every layer are those of the clean half.
// Unmask computes them with its cache, the reference's L + L rows and no more:
//
// 1. one block-causal pass over x_0 fills a KV cache (no logits read);
// 2. one window pass per block, from the last block to the first, on that cache: the window's
//    queries read the clean rows before it, and the noisy keys and values it writes over its own
//    rows are read by no block still to come (each reads only rows before its own).
//
// Without time conditioning σ is zeroed, so the clean cache is the same for every draw and is
// computed once and copied. Without `cross_attn` the reference runs x_t alone under the model's
// mask, and so does this.

extension BD3LMModel {
  /// Whether the checkpoint was trained on `x_t ⊕ x_0` (`cross_attn`, default true).
  public var crossAttention: Bool { configuration.crossAttn ?? true }

  /// The x_t half of the reference's training forward, `BD3LM(x_t ⊕ x_0, σ)[:, :L]`, for one
  /// clean sequence `clean` (`[L]`) and several noisy versions of it: for each `noisy[i]`
  /// (`[L]`, at noise level `sigmas[i]`), the rows `rows[i]` (ascending positions; nil: all).
  /// Row `j` of result `i` is the logits `[V]` of position `rows[i][j]`.
  ///
  /// A block none of whose rows is asked for is not run. Every noisy sequence gets a cache of
  /// `L` positions while the call runs.
  ///
  /// - Throws: when the lengths disagree or a token is outside the vocabulary.
  public func noisyHalfLogits(
    clean: [Int32], noisy: [[Int32]], sigmas: [Double], rows: [[Int]]? = nil
  ) throws -> [Matrix] {
    let length = clean.count
    guard noisy.count == sigmas.count, rows.map({ $0.count == noisy.count }) ?? true else {
      throw PredictorError.unsupported(
        "\(noisy.count) noisy sequences need as many noise levels and row lists")
    }
    guard length > 0, noisy.allSatisfy({ $0.count == length }) else {
      throw PredictorError.unsupported(
        "every noisy sequence must have the clean sequence's \(length) positions")
    }
    let wanted = rows ?? Array(repeating: Array(0..<length), count: noisy.count)
    for positions in wanted { LogitRows.checkPositions(positions, in: 0..<length) }
    guard crossAttention else {
      // `x_input = xt`: one pass over the noisy canvas under the model's own mask.
      let canvases = zip(noisy, zip(sigmas, wanted)).map { tokens, rest in
        ForwardCanvas(tokens: tokens, rows: .positions(rest.1), sigma: rest.0)
      }
      return try logits(for: ForwardRequest(canvases))
    }
    let caches = try cleanCaches(clean, sigmas: sigmas)
    let blocks = (length + blockLength - 1) / blockLength
    // blockRows[b][i]: the rows of sequence i in block b, as one matrix each.
    var blockRows = [[Matrix?]](
      repeating: [Matrix?](repeating: nil, count: noisy.count), count: blocks)
    for b in stride(from: blocks - 1, through: 0, by: -1) {
      let window = (b * blockLength)..<min(length, (b + 1) * blockLength)
      var canvases: [ForwardCanvas] = []
      var owners: [Int] = []
      for i in noisy.indices {
        let inside = wanted[i].filter(window.contains)
        guard !inside.isEmpty else { continue }
        var tokens = clean
        tokens.replaceSubrange(window, with: noisy[i][window])
        canvases.append(
          ForwardCanvas(
            tokens: tokens, window: window, rows: .positions(inside), cache: caches[i],
            sigma: sigmas[i]))
        owners.append(i)
      }
      guard !canvases.isEmpty else { continue }
      for (i, matrix) in zip(owners, try logits(for: ForwardRequest(canvases))) {
        blockRows[b][i] = matrix
      }
    }
    return noisy.indices.map { i in
      var values: [Float] = []
      var count = 0
      for b in 0..<blocks {
        guard let matrix = blockRows[b][i] else { continue }
        values += matrix.values
        count += matrix.rows
      }
      return Matrix(rows: count, columns: vocabularySize, values: values)
    }
  }

  /// One cache per noisy sequence holding the clean sequence's keys and values at every layer
  /// (a block-causal pass over `clean` at that sequence's σ; one pass copied when σ is unused).
  private func cleanCaches(_ clean: [Int32], sigmas: [Double]) throws -> [KVCache] {
    let length = clean.count
    let caches = try sigmas.map { _ in
      guard let cache = makeKVCache(positions: length) else {
        throw PredictorError.unsupported("it keeps no key/value cache")
      }
      return cache
    }
    let shared = noiseLevelInput != .conditioned
    let filled = shared ? Array(caches.prefix(1)) : caches
    // Rows: none are read; the pass only fills the caches.
    _ = try logits(
      for: ForwardRequest(
        zip(filled, sigmas).map { cache, sigma in
          ForwardCanvas(tokens: clean, rows: .positions([]), cache: cache, sigma: sigma)
        }))
    if shared, let source = caches.first {
      let count = source.positions * source.width
      for cache in caches.dropFirst() {
        for layer in 0..<source.layers {
          cache.keys(layer: layer).update(from: source.keys(layer: layer), count: count)
          cache.values(layer: layer).update(from: source.values(layer: layer), count: count)
        }
      }
    }
    return caches
  }
}
