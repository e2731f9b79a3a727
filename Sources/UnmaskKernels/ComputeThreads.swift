#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif
import CUnmaskKernels
import Dispatch
import Foundation

/// How many threads the engine's kernels use: BLAS's own pool and Unmask's parallel loops.
///
/// Set once at start (`--threads N`); the default is every core the process may use.
public enum ComputeThreads {
  nonisolated(unsafe) private static var current = defaultCount

  /// Active processor count as the OS reports it.
  public static var defaultCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

  /// Threads for parallel loops.
  public static var count: Int { current }

  /// Sets the thread count for both BLAS and Unmask's loops.
  ///
  /// More threads than cores is allowed: Unmask's loops then cut the work into that many
  /// pieces, which libdispatch runs on at most one thread per core (measured on 2 cores: 8
  /// pieces were as fast or faster than 2, since a piece finished early takes the next). BLAS
  /// gets at most one thread per core, since OpenBLAS's own threads would compete for them.
  public static func set(_ threads: Int) {
    current = max(1, threads)
    #if !canImport(Accelerate)
      openblas_set_num_threads(Int32(min(current, defaultCount)))
    #endif
  }

  /// Runs `body(i)` for `i` in `0..<iterations`, spread over `count` threads.
  ///
  /// Work is split into contiguous chunks (one per thread) so that neighbouring iterations,
  /// which usually touch neighbouring memory, stay on one core. The threads are libdispatch's
  /// worker pool, created once and kept: a forward pass of the 120M model makes about 70 such
  /// calls (GEMM tiles, attention heads, norms), and its CPU time with 2 threads is within 1% of
  /// its CPU time with 1 (docs/PERFORMANCE.md), so hand-offs cost no more than that.
  public static func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    let threads = uk_parallel_depth() > 0 ? 1 : min(count, iterations)
    if threads <= 1 {
      for i in 0..<iterations { body(i) }
      return
    }
    let path = KernelPath.forcedHere
    DispatchQueue.concurrentPerform(iterations: threads) { chunk in
      let start = iterations * chunk / threads
      let end = iterations * (chunk + 1) / threads
      nested(path) { for i in start..<end { body(i) } }
    }
  }

  /// Runs `body(i)` for `i` in `0..<iterations` over `count` threads, each taking the next
  /// iteration when it is done with one: for items of uneven cost (a mixture-of-experts layer's
  /// experts, each with its own tokens). Parallel loops inside `body` run on its thread alone.
  public static func parallelForEach(_ iterations: Int, _ body: (Int) -> Void) {
    let threads = uk_parallel_depth() > 0 ? 1 : min(count, iterations)
    if threads <= 1 {
      for i in 0..<iterations { body(i) }
      return
    }
    let lock = NSLock()
    var next = 0
    let path = KernelPath.forcedHere
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      nested(path) {
        while true {
          lock.lock()
          let i = next
          next += 1
          lock.unlock()
          guard i < iterations else { return }
          body(i)
        }
      }
    }
  }

  /// Calls `body(start, end)` for consecutive slices of `0..<count`, one per thread, for
  /// elementwise work between GEMMs (SwiGLU, residual adds). Slices start at multiples of
  /// `alignment` elements, so a vectorized loop splits into the same vectors and scalar tail as
  /// it does over the whole range, and results are the same bits at any thread count. Below
  /// `minimum` elements (a few microseconds of work, about a hand-off's cost) it runs on the
  /// caller's thread. Run alone, these were 1.2% of a 2-thread q8_0 pass (120M, T = 256) spent
  /// on one thread while the other waited.
  public static func forEachSlice(
    _ count: Int, alignment: Int = 256, minimum: Int = 1 << 15, _ body: (Int, Int) -> Void
  ) {
    let units = (count + alignment - 1) / alignment
    let slices = count < minimum ? 1 : min(Self.count, units)
    if slices <= 1 { return body(0, count) }
    parallelFor(slices) { i in
      let start = units * i / slices * alignment
      let end = units * (i + 1) / slices * alignment
      body(min(count, start), min(count, end))
    }
  }

  /// Runs `work` one level deeper inside parallel loops on this thread, with the caller's
  /// kernel path (`KernelPath.with`) in force.
  private static func nested(_ path: KernelPath?, _ work: () -> Void) {
    let depth = uk_parallel_depth()
    uk_set_parallel_depth(depth + 1)
    defer { uk_set_parallel_depth(depth) }
    KernelPath.inheriting(path, work)
  }
}
