import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// The cached forward pass: a window recomputed against a cache filled from the same canvas
/// must give the full pass's rows (same keys and values everywhere, so the same attention).
@Suite struct KVCacheTests {
  static let tolerance: Float = 2e-4

  func worstGap(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  @Test(arguments: ["tiny-llada", "tiny-llada-gqa", "tiny-dream"])
  func windowOverAnUnchangedCanvasEqualsTheFullPass(fixture: String) throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.model(fixture))
    let stack = try #require((model as? any TransformerStackModel)?.stack)
    let tokens: [Int32] = (0..<40).map { Int32(($0 * 37 + 11) % 400) }
    let full = try stack.logits(for: tokens)
    let cache = stack.makeKVCache(positions: tokens.count)
    let filled = try stack.logits(for: tokens, window: 0..<tokens.count, cache: cache)
    var worst = worstGap(full.values[...], filled.values[...])
    for window in [8..<16, 24..<40, 0..<1, 39..<40] {
      let rows = try stack.logits(for: tokens, window: window, cache: cache)
      let v = rows.columns
      worst = max(
        worst,
        worstGap(rows.values[...], full.values[(window.lowerBound * v)..<(window.upperBound * v)]))
    }
    print("\(fixture): worst gap between cached and full logits \(worst)")
    #expect(worst < Self.tolerance)
  }

  @Test func windowSeesChangedTokensOnlyInsideIt() throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada"))
    let stack = try #require((model as? any TransformerStackModel)?.stack)
    var tokens: [Int32] = (0..<24).map { Int32(($0 * 13 + 5) % 400) }
    let cache = stack.makeKVCache(positions: tokens.count)
    _ = try stack.logits(for: tokens, window: 0..<tokens.count, cache: cache)
    // Change a token outside the window: the cached pass must not see it (dual cache),
    // the full pass must.
    tokens[20] = 444
    let cached = try stack.logits(for: tokens, window: 8..<16, cache: cache)
    let full = try stack.logits(for: tokens)
    let v = cached.columns
    #expect(worstGap(cached.values[...], full.values[(8 * v)..<(16 * v)]) > 1e-3)
  }

  @Test func cacheSizeCoversEveryLayer() throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada-gqa"))
    let stack = try #require((model as? any TransformerStackModel)?.stack)
    let cache = stack.makeKVCache(positions: 10)
    // 2 layers x 10 positions x (2 kv heads x 16) floats, keys and values.
    #expect(cache.byteCount == 2 * 2 * 10 * 32 * 4)
  }
}
