#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif
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
  public static func set(_ threads: Int) {
    current = max(1, threads)
    #if !canImport(Accelerate)
      openblas_set_num_threads(Int32(current))
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
    let threads = min(count, iterations)
    if threads <= 1 {
      for i in 0..<iterations { body(i) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { chunk in
      let start = iterations * chunk / threads
      let end = iterations * (chunk + 1) / threads
      for i in start..<end { body(i) }
    }
  }
}
