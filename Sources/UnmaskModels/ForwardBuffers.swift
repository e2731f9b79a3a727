import Foundation
import UnmaskKernels

/// The scratch and RoPE tables of a stack's last pass, kept for its next pass: a sampler runs
/// hundreds of passes over one canvas length, and each would otherwise allocate its scratch
/// (about 7 MB on the 120M shape at 160 tokens) and recompute `T · d/2` cosines and sines.
/// The scratch kept is the largest yet: a cached sampler's window passes (a block's rows) use
/// the one its full passes (the canvas) left.
///
/// A pass takes the scratch out and gives it back when done, so passes running at once on other
/// threads each get their own (the second allocates, as before).
final class ForwardBuffers: @unchecked Sendable {
  private let lock = NSLock()
  private var scratch: ForwardScratch?
  private var tables: (positions: Int, value: (cos: [Float], sin: [Float]))?

  /// Scratch for at least `tokens` rows: the kept one if it is large enough, else `make(tokens)`.
  func takeScratch(tokens: Int, make: (Int) -> ForwardScratch) -> ForwardScratch {
    lock.lock()
    let kept = scratch
    scratch = nil
    lock.unlock()
    if let kept, kept.tokens >= tokens { return kept }
    return make(tokens)
  }

  /// Keeps `value` for the next pass unless a larger one is kept already.
  func giveBack(_ value: ForwardScratch) {
    lock.lock()
    if (scratch?.tokens ?? -1) < value.tokens { scratch = value }
    lock.unlock()
  }

  /// `rope`'s tables for positions `0..<positions`, computed once per length.
  func ropeTables(_ rope: RotaryEmbedding, positions: Int) -> (cos: [Float], sin: [Float]) {
    lock.lock()
    defer { lock.unlock() }
    if let tables, tables.positions == positions { return tables.value }
    let value = rope.tables(positions: positions)
    tables = (positions, value)
    return value
  }
}
