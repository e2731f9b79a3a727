import Foundation

/// Reusable scratch memory for the kernels' per-call buffers (padded activations, q8 or bf16
/// copies of them), so that a forward pass allocates nothing per layer once warm.
///
/// Buffers are lent from a small free list under a lock and returned after use; a caller that
/// needs more than the largest free buffer gets a fresh one, which then stays in the list. Any
/// number of threads and models may borrow at once (tests run models in parallel); the list
/// holds at most as many buffers as were ever borrowed at the same time.
public enum ScratchBuffers {
  private final class Buffer {
    let bytes: UnsafeMutableRawPointer
    let capacity: Int
    init(capacity: Int) {
      self.capacity = capacity
      bytes = .allocate(byteCount: capacity, alignment: 64)
    }
    deinit { bytes.deallocate() }
  }

  private static let lock = NSLock()
  nonisolated(unsafe) private static var free: [Buffer] = []

  /// Runs `body` with at least `byteCount` bytes of 64-byte-aligned, uninitialized memory that
  /// nobody else uses until `body` returns.
  public static func with<R>(byteCount: Int, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows
    -> R
  {
    let buffer = take(byteCount)
    defer { give(buffer) }
    return try body(buffer.bytes)
  }

  private static func take(_ byteCount: Int) -> Buffer {
    lock.lock()
    defer { lock.unlock() }
    // The smallest free buffer that fits; else drop the largest (it was too small) and make
    // one that fits. Plain loops: this runs per layer and must not allocate.
    var best: Int?
    var largest: Int?
    for i in free.indices {
      if free[i].capacity >= byteCount, best.map({ free[i].capacity < free[$0].capacity }) ?? true {
        best = i
      }
      if largest.map({ free[i].capacity > free[$0].capacity }) ?? true { largest = i }
    }
    if let best { return free.remove(at: best) }
    if let largest { free.remove(at: largest) }
    return Buffer(capacity: max(byteCount, 64))
  }

  private static func give(_ buffer: Buffer) {
    lock.lock()
    free.append(buffer)
    lock.unlock()
  }
}
