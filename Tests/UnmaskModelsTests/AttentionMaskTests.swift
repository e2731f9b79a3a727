import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// The masks a pass request carries, checked against what each must mean on the real fixtures:
/// a block-causal block is its truncated canvas, a one-wide window is each token alone, a padded
/// canvas is the unpadded one (RoPE sees relative positions only), and the block-causal cache is
/// exact.
@Suite("Attention masks")
struct AttentionMaskTests {
  static let fixtures = ["tiny-llada", "tiny-llada-gqa", "tiny-dream"]

  static func canvas(_ model: any MaskPredictor, length: Int, seed: UInt64) -> [Int32] {
    var rng = SplitMix64(seed: seed)
    return (0..<length).map { _ in Int32(rng.next() % UInt64(model.vocabularySize)) }
  }

  static func raw(
    _ model: any MaskedDiffusionModel, _ tokens: [Int32], _ mask: AttentionMask?,
    rows: LogitRows = .all
  ) throws -> Matrix {
    try model.rawLogits(for: ForwardRequest(tokens: tokens, rows: rows, mask: mask))[0]
  }

  static func worstGap(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  /// Block b of a block-causal pass sees blocks 0...b only: cutting the canvas after block b
  /// changes none of its rows, and the first block is the full pass over itself alone (bit for
  /// bit on the kernel paths: the same rows go through the same kernels against the same keys).
  @Test(arguments: KernelPath.available)
  func blockCausalBlocksReadNoLaterBlock(path: KernelPath) throws {
    for name in Self.fixtures {
      let model = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let tokens = Self.canvas(model, length: 22, seed: 5)  // the last block is short
      let b = 8
      let mask = AttentionMask.blockCausal(blockLength: b)
      let masked = try KernelPath.with(path) { try Self.raw(model, tokens, mask) }
      let v = masked.columns
      for end in [8, 16, 22] {
        let start = (end - 1) / b * b
        let cut = try KernelPath.with(path) {
          try Self.raw(model, Array(tokens[..<end]), end == b ? .full : mask)
        }
        expectSame(
          Array(masked.values[(start * v)..<(end * v)]),
          Array(cut.values[(start * v)..<(end * v)]), on: path, "\(name) block ending at \(end)")
      }
      // And the mask changes something: the first block differs from the full pass.
      let full = try KernelPath.with(path) { try Self.raw(model, tokens, .full) }
      #expect(Self.worstGap(full.values[..<(b * v)], masked.values[..<(b * v)]) > 1e-3)
    }
  }

  /// Under block-causal attention a cache over finished blocks is exact: after the canvas's
  /// last block changes, the window pass over it against the cache filled before the change
  /// gives the rows a full recomputation gives, restricted or not.
  @Test(arguments: KernelPath.available)
  func blockCausalCacheIsExact(path: KernelPath) throws {
    for name in Self.fixtures {
      let model = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let mask = AttentionMask.blockCausal(blockLength: 8)
      var tokens = Self.canvas(model, length: 24, seed: 9)
      let cache = try model.cache(positions: tokens.count)
      _ = try KernelPath.with(path) {
        try model.logits(
          for: ForwardRequest([ForwardCanvas(tokens: tokens, cache: cache)], mask: mask))
      }
      for position in 16..<24 {
        tokens[position] = Int32((Int(tokens[position]) + 7) % model.vocabularySize)
      }
      for rows in [LogitRows.all, .positions([17, 20, 23])] {
        let cached = try KernelPath.with(path) {
          try model.logits(
            for: ForwardRequest(
              [ForwardCanvas(tokens: tokens, window: 16..<24, rows: rows, cache: cache)], mask: mask
            ))[0]
        }
        let recomputed = try KernelPath.with(path) {
          try model.logits(for: ForwardRequest(tokens: tokens, rows: .all, mask: mask))[0]
        }
        let v = recomputed.columns
        let wanted = rows.positions ?? Array(16..<24)
        let expected = wanted.flatMap { recomputed.values[($0 * v)..<(($0 + 1) * v)] }
        // Dream's window reads its first position's own raw row (Fast-dLLM's block sampler);
        // compare the rows both read the same way.
        let comparable =
          name == "tiny-dream"
          ? Array(wanted.indices.dropFirst(rows.positions == nil ? 1 : 0)) : Array(wanted.indices)
        expectSame(
          comparable.flatMap { cached.values[($0 * v)..<(($0 + 1) * v)] },
          comparable.flatMap { expected[($0 * v)..<(($0 + 1) * v)] }, on: path, "\(name) \(rows)")
      }
    }
  }

  /// A one-wide sliding window leaves each position only its own key, so its row is the pass
  /// over that token alone; a window as wide as the canvas is the full mask, bit for bit.
  @Test func slidingWindowExtremes() throws {
    for name in Self.fixtures {
      let model = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let tokens = Self.canvas(model, length: 12, seed: 3)
      let wide = try Self.raw(model, tokens, .slidingWindow(size: tokens.count))
      #expect(wide == (try Self.raw(model, tokens, .full)), "\(name)")
      let narrow = try Self.raw(model, tokens, .slidingWindow(size: 1))
      let v = narrow.columns
      var worst: Float = 0
      for (i, token) in tokens.enumerated() {
        let alone = try Self.raw(model, [token], .full)
        worst = max(worst, Self.worstGap(narrow.values[(i * v)..<((i + 1) * v)], alone.values[...]))
      }
      print("\(name): sliding window 1 vs each token alone, worst gap \(worst)")
      #expect(worst < 1e-4)
    }
  }

  /// Left padding hidden by the mask: the other positions' rows are the unpadded canvas's, up to
  /// the rounding of RoPE's angles at shifted absolute positions.
  @Test func leadingPaddingIsHidden() throws {
    for name in Self.fixtures {
      let model = try ModelRegistry.load(contentsOf: Fixtures.model(name))
      let tokens = Self.canvas(model, length: 14, seed: 4)
      let padded = [Int32](repeating: 0, count: 5) + tokens
      let masked = try Self.raw(model, padded, .padding(leading: 5))
      let alone = try Self.raw(model, tokens, .full)
      let v = alone.columns
      let gap = Self.worstGap(masked.values[(5 * v)...], alone.values[...])
      let scale = alone.values.map(abs).max() ?? 1
      print("\(name): padded vs unpadded, worst gap \(gap) of max |logit| \(scale)")
      #expect(gap <= 1e-4 * scale)
    }
  }

  @Test func masksThatSelectNoKeyAreRefused() throws {
    let model = try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada"))
    for mask in [
      AttentionMask.blockCausal(blockLength: 0), .slidingWindow(size: 0), .padding(leading: -1),
      .keys(3..<3), .keys(-1..<2), .blockCausalCapped(blockLength: 12, cap: 0, from: 0),
    ] {
      #expect(throws: PredictorError.self) {
        try model.logits(for: ForwardRequest(tokens: [1, 2, 3], mask: mask))
      }
    }
  }

  @Test func keyRanges() {
    #expect(AttentionMask.full.keys(for: 3, canvasLength: 10) == 0..<10)
    #expect(AttentionMask.blockCausal(blockLength: 4).keys(for: 5, canvasLength: 10) == 0..<8)
    #expect(AttentionMask.blockCausal(blockLength: 4).keys(for: 9, canvasLength: 10) == 0..<10)
    #expect(AttentionMask.slidingWindow(size: 3).keys(for: 5, canvasLength: 10) == 3..<8)
    #expect(AttentionMask.padding(leading: 2).keys(for: 0, canvasLength: 10) == 2..<10)
    #expect(AttentionMask.keys(4..<8).keys(for: 0, canvasLength: 10) == 4..<8)
    #expect(AttentionMask.keys(4..<12).keys(for: 9, canvasLength: 10) == 4..<10)
    // Blocks of 12 held inside blocks of 32 from position 24 on (Fast-dLLM v2's denoising
    // passes over the block 24..<36): 24..<32 do not see 32..<36; before 24, blocks of 12.
    let capped = AttentionMask.blockCausalCapped(blockLength: 12, cap: 32, from: 24)
    #expect(capped.keys(for: 20, canvasLength: 48) == 0..<24)
    #expect(capped.keys(for: 31, canvasLength: 48) == 0..<32)
    #expect(capped.keys(for: 32, canvasLength: 48) == 0..<36)
    #expect(capped.keys(for: 40, canvasLength: 48) == 0..<48)
    // A cap that is a multiple of the block changes nothing.
    let even = AttentionMask.blockCausalCapped(blockLength: 8, cap: 32, from: 0)
    #expect(
      (0..<40).allSatisfy {
        even.keys(for: $0, canvasLength: 40)
          == AttentionMask.blockCausal(blockLength: 8).keys(for: $0, canvasLength: 40)
      })
  }
}
