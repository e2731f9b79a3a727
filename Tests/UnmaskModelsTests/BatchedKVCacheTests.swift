import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// Several canvases' cached passes in one forward pass (one `ForwardRequest` of cached windows): each result
/// and each cache as that canvas's own pass gives them, bit for bit on the kernel paths.
@Suite struct BatchedKVCacheTests {
  /// Canvases of different lengths, each with a filled cache and a canvas changed in its window.
  func requests(_ model: any MaskedDiffusionModel) throws -> [ForwardCanvas] {
    var rng = SplitMix64(seed: 31)
    let shapes: [(length: Int, window: Range<Int>, rows: LogitRows)] = [
      (24, 8..<16, .positions([9, 12, 13])),  // dual, some rows
      (20, 4..<20, .all),  // prefix, every row
      (17, 0..<17, .all),  // a block-start fill
      (30, 16..<24, .positions([16])),  // the window's first row (Dream reads its own row)
      (24, 8..<16, .positions([])),  // nothing read: keys and values only
    ]
    return try shapes.map { shape in
      let tokens = (0..<shape.length).map { _ in
        Int32(rng.next() % UInt64(model.vocabularySize))
      }
      let cache = try model.cache(positions: shape.length)
      if shape.window != 0..<shape.length {
        _ = try model.logits(for: tokens.shuffled(using: &rng), filling: cache)
      }
      return ForwardCanvas(tokens: tokens, window: shape.window, rows: shape.rows, cache: cache)
    }
  }

  @Test(arguments: KernelPath.available)
  func batchedWindowsEqualEachAlone(path: KernelPath) throws {
    for name in ["tiny-llada", "tiny-llada-gqa", "tiny-dream"] {
      let loaded = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let model = loaded
      // Two copies of the same requests (same tokens, caches filled the same way).
      let alone = try requests(model)
      let batched = try requests(model)
      let single = try KernelPath.with(path) {
        try alone.map { try model.logits(for: ForwardRequest([$0]))[0] }
      }
      let together = try KernelPath.with(path) { try model.logits(forWindows: batched) }
      #expect(together.count == single.count)
      for (k, (a, b)) in zip(single, together).enumerated() {
        #expect(a.rows == b.rows && a.columns == b.columns, "\(name) request \(k)")
        expectSame(b.values, a.values, on: path, "\(name) request \(k)")
        expectSame(
          try #require(batched[k].cache).contents, try #require(alone[k].cache).contents, on: path,
          "\(name) cache \(k)")
      }
    }
  }
}
