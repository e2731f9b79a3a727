import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskModels

/// A pass restricted to some logit rows (`LogitRows.positions`) must give those rows bit for bit
/// as the full pass does, on every kernel path this CPU runs, for LLaDA (MHA and GQA, f32 and
/// bf16) and Dream (whose rows read the raw row to their left), as `[n, V]`.
@Suite("Row-restricted forward passes")
struct LogitRowsTests {
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
}
