import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// A pass restricted to some logit rows (`LogitRows.positions`) must give those rows bit for bit
/// as the full pass does, on every kernel path this CPU runs, for LLaDA (MHA and GQA, f32 and
/// bf16) and Dream (whose rows read the raw row to their left), as `[n, V]`.
@Suite("Row-restricted forward passes")
struct LogitRowsTests {
  /// The three fixtures as cache-running models, each with a canvas of 24 random tokens.
  static func cachingModels(seed: UInt64) throws -> [(
    name: String, model: any MaskedDiffusionModel, tokens: [Int32]
  )] {
    try ["tiny-llada", "tiny-llada-gqa", "tiny-dream"].map { name in
      let loaded = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let model = loaded
      var rng = SplitMix64(seed: seed)
      return (name, model, (0..<24).map { _ in Int32(rng.next() % UInt64(model.vocabularySize)) })
    }
  }

  /// Row sets a sampler asks for: one block's masks, scattered positions, the first and last
  /// rows, a single row, none.
  static func rowSets(length t: Int) -> [[Int]] {
    [
      Array((t / 2)..<min(t, t / 2 + 8)), [0, 1, t / 3, t - 2, t - 1], [0], [t - 1], [t / 2],
      Array(stride(from: 1, to: t, by: 3)), [],
    ]
  }

  @Test(arguments: KernelPath.available)
  func restrictedRowsEqualTheFullPass(path: KernelPath) throws {
    for name in ["tiny-llada", "tiny-llada-gqa", "tiny-dream"] {
      let model = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      var rng = SplitMix64(seed: 14)
      let tokens = (0..<24).map { _ in Int32(rng.next() % UInt64(model.vocabularySize)) }
      let full = try KernelPath.with(path) { try model.logits(for: tokens) }
      let v = full.columns
      for rows in Self.rowSets(length: tokens.count) {
        let restricted = try KernelPath.with(path) {
          try model.logits(for: tokens, rows: .positions(rows))
        }
        #expect(restricted.rows == rows.count && restricted.columns == v)
        guard restricted.rows == rows.count else { continue }
        var differing = 0
        for (j, position) in rows.enumerated() {
          for c in 0..<v where restricted[j, c].bitPattern != full[position, c].bitPattern {
            differing += 1
          }
        }
        #expect(differing == 0, "\(path) \(name) rows \(rows): \(differing) logits differ")
      }
    }
  }

  /// `.all`, and a set that names every row, are the full pass itself.
  @Test func everyRowIsTheFullPass() throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada"))
    let tokens: [Int32] = [1, 5, 9, 2, 7, 3, 3, 8]
    let full = try model.logits(for: tokens)
    #expect(try model.logits(for: tokens, rows: .all) == full)
    #expect(try model.logits(for: tokens, rows: .positions(Array(0..<8))) == full)
    #expect(try model.logits(for: tokens, rows: .positions([])).rows == 0)
  }

  /// A batched pass restricted to some rows of each canvas: each canvas's rows as its own
  /// restricted pass gives them, bit for bit on the kernel paths.
  @Test(arguments: KernelPath.available)
  func restrictedBatchRowsEqualEachAlone(path: KernelPath) throws {
    for name in ["tiny-llada", "tiny-llada-gqa", "tiny-dream"] {
      let loaded = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let model = loaded
      var rng = SplitMix64(seed: 16)
      let canvases = [24, 9, 17, 30].map { length in
        (0..<length).map { _ in Int32(rng.next() % UInt64(model.vocabularySize)) }
      }
      let rows: [LogitRows] = [.positions([3, 4, 20]), .all, .positions([]), .positions([0, 29])]
      let together = try KernelPath.with(path) { try model.logits(forBatch: canvases, rows: rows) }
      for (k, (canvas, asked)) in zip(canvases, rows).enumerated() {
        let alone = try KernelPath.with(path) { try model.logits(for: canvas, rows: asked) }
        #expect(together[k].rows == alone.rows && together[k].columns == alone.columns)
        expectSame(together[k].values, alone.values, on: path, "\(name) canvas \(k)")
      }
    }
  }

  /// A cached window pass (Fast-dLLM's dual and prefix windows) restricted to some rows: those
  /// rows as the whole window pass gives them, bit for bit, and the cache left exactly as the
  /// whole window pass leaves it (every window position's keys and values written).
  @Test(arguments: KernelPath.available)
  func restrictedWindowRowsEqualTheWholeWindow(path: KernelPath) throws {
    for (name, model, tokens) in try Self.cachingModels(seed: 15) {
      var edited = tokens
      for i in 10..<16 { edited[i] = Int32((Int(tokens[i]) + 1) % model.vocabularySize) }
      for window in [8..<16, 8..<24] {
        for rows in [[9, 12, 13], [8], [15], Array(window), []] {
          // Both caches filled by the same full pass, then one window pass each.
          let (whole, restricted) = try KernelPath.with(path) { () throws -> (KVCache, KVCache) in
            let a = try model.cache(positions: tokens.count)
            let b = try model.cache(positions: tokens.count)
            _ = try model.logits(for: tokens, filling: a)
            _ = try model.logits(for: tokens, filling: b)
            return (a, b)
          }
          let (all, some) = try KernelPath.with(path) {
            (
              try model.logits(for: edited, window: window, cache: whole),
              try model.logits(
                for: edited, window: window, cache: restricted, rows: .positions(rows))
            )
          }
          let v = all.columns
          #expect(some.rows == rows.count && some.columns == v, "\(path) \(name) \(rows)")
          guard some.rows == rows.count else { continue }
          var differing = 0
          for (j, position) in rows.enumerated() {
            let r = position - window.lowerBound
            for c in 0..<v where some[j, c].bitPattern != all[r, c].bitPattern { differing += 1 }
          }
          #expect(differing == 0, "\(path) \(name) window \(window) rows \(rows)")
          #expect(whole.contents == restricted.contents, "\(path) \(name) window \(window)")
        }
      }
    }
  }

  /// A block start that reads some rows (`BlockKVCache` at step 0) runs the window pass over
  /// the whole canvas on an empty cache, restricted to them: those rows of the fill, bit for
  /// bit, and the cache filled exactly as the fill fills it.
  @Test(arguments: KernelPath.available)
  func restrictedFillRowsEqualTheFill(path: KernelPath) throws {
    for (name, model, tokens) in try Self.cachingModels(seed: 16) {
      for rows in [[8, 9, 10, 11, 12, 13, 14, 15], [0], [23], [3, 17, 22], []] {
        let filled = try model.cache(positions: tokens.count)
        let restricted = try model.cache(positions: tokens.count)
        let (all, some) = try KernelPath.with(path) {
          (
            try model.logits(for: tokens, filling: filled),
            try model.logits(
              for: tokens, window: 0..<tokens.count, cache: restricted, rows: .positions(rows))
          )
        }
        #expect(some.rows == rows.count && some.columns == all.columns, "\(path) \(name) \(rows)")
        guard some.rows == rows.count else { continue }
        let expected = rows.flatMap {
          Array(all.values[($0 * all.columns)..<(($0 + 1) * all.columns)])
        }
        #expect(
          some.values.map(\.bitPattern) == expected.map(\.bitPattern), "\(path) \(name) \(rows)")
        #expect(filled.contents == restricted.contents, "\(path) \(name) \(rows)")
      }
    }
  }
}

extension KVCache {
  /// Every key, then every value, of every layer (for comparing two caches).
  var contents: [Float] {
    let count = positions * width
    return (0..<layers).flatMap { layer in
      Array(UnsafeBufferPointer(start: keys(layer: layer), count: count))
        + Array(UnsafeBufferPointer(start: values(layer: layer), count: count))
    }
  }
}

/// `a == b` bit for bit on the kernel paths (each row summed alone, whatever rows come with
/// it); within 1e-4 on `.blas`, whose GEMMs may block different row counts differently.
func expectSame(
  _ a: [Float], _ b: [Float], on path: KernelPath, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard path == .blas else {
    #expect(a == b, "\(path) \(what)", sourceLocation: sourceLocation)
    return
  }
  let gap = zip(a, b).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
  #expect(
    a.count == b.count && gap < 1e-4, "\(path) \(what): gap \(gap)", sourceLocation: sourceLocation)
}
