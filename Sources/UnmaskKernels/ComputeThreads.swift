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
  public static var defaultCount: Int { cores }

  /// Read once: on Linux, Foundation reads the affinity mask and the cgroup's CPU quota from
  /// files each time it is asked, about 18 us. Asked once per parallel loop, that was 3% of a
  /// 2-thread q8_0 pass on the 120M model.
  private static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

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
  /// which usually touch neighbouring memory, stay on one core. The chunks run on kept worker
  /// threads that stay awake between the loops of a pass (`uk_pool_run`, `thread_pool.c`):
  /// libdispatch's worker slept after each loop and took about 40 us to wake for the next, and
  /// a forward pass of the 120M model makes about 150 such calls (GEMM tiles, quantizing their
  /// inputs, attention heads, norms). A `count` above the core count cuts the work into that
  /// many chunks, which at most one thread per core takes in turn.
  public static func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    let threads = uk_parallel_depth() > 0 ? 1 : min(count, iterations)
    if threads <= 1 {
      for i in 0..<iterations { body(i) }
      return
    }
    let path = KernelPath.forcedHere
    run(chunks: threads, threads: threads) { chunk in
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
    let path = KernelPath.forcedHere
    run(chunks: iterations, threads: threads) { i in nested(path) { body(i) } }
  }

  /// Runs `chunk(i)` for `i` in `0..<chunks` on the kept workers, on at most `threads` threads
  /// and one per core, each taking the next chunk in turn; while another thread is running a
  /// loop there (tests, a server's requests), on libdispatch's pool instead.
  private static func run(chunks: Int, threads: Int, _ chunk: (Int) -> Void) {
    let threads = min(threads, defaultCount)
    let ran = withoutActuallyEscaping(chunk) { chunk in
      withUnsafePointer(to: chunk) { pointer in
        uk_pool_run(Int32(threads), chunks, runChunk, UnsafeMutableRawPointer(mutating: pointer))
      }
    }
    if ran == 1 { return }
    let lock = NSLock()
    var next = 0
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while true {
        lock.lock()
        let i = next
        next += 1
        lock.unlock()
        guard i < chunks else { return }
        chunk(i)
      }
    }
  }

  /// `uk_pool_run`'s body: `context` points at the loop's `(Int) -> Void`.
  private static let runChunk: uk_pool_body = { context, chunk in
    context?.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
  }

  /// Calls `body(start, end)` for consecutive slices of `0..<count`, one per thread, for
  /// elementwise work between GEMMs (SwiGLU, residual adds). Slices start at multiples of
  /// `alignment` elements, so a vectorized loop splits into the same vectors and scalar tail as
  /// it does over the whole range, and results are the same bits at any thread count. Below
  /// `minimum` elements (a few microseconds of work, about a hand-off's cost) it runs on the
  /// caller's thread. Run alone, these were 1.2% of a 2-thread q8_0 pass (120M, T = 256) spent
  /// on one thread while the other waited. `threads` (the thread count by default) is how many
  /// slices at most.
  public static func forEachSlice(
    _ count: Int, alignment: Int = 256, minimum: Int = 1 << 15,
    threads: Int = ComputeThreads.count, _ body: (Int, Int) -> Void
  ) {
    let units = (count + alignment - 1) / alignment
    let slices = count < minimum ? 1 : min(threads, units)
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
