import CUnmaskKernels
import Foundation
import Testing

@testable import UnmaskKernels

/// The parallel loops: every iteration runs once, loops inside a worker run on its thread alone,
/// and a worker sees the caller's `KernelPath.with` (dispatch threads are not tasks).
@Suite("Compute threads", .serialized)
struct ComputeThreadsTests {
  final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [Int] = []
    private(set) var nestedDepths: [Int32] = []
    private(set) var paths: [KernelPath] = []
    func add(_ i: Int, depth: Int32, path: KernelPath) {
      lock.lock()
      defer { lock.unlock() }
      items.append(i)
      nestedDepths.append(depth)
      paths.append(path)
    }
  }

  @Test(arguments: [1, 2, 3, 8])
  func eachIterationRunsOnceWithTheCallersPath(threads: Int) throws {
    let before = ComputeThreads.count
    defer { ComputeThreads.set(before) }
    ComputeThreads.set(threads)
    for dynamic in [false, true] {
      let log = Log()
      let inner = Log()
      try KernelPath.with(.scalar) {
        let body: (Int) -> Void = { i in
          log.add(i, depth: uk_parallel_depth(), path: KernelPath.current)
          // A loop inside a worker (depth 1) runs serially, on the worker. (Other suites may
          // set the thread count meanwhile, so a loop that ran serially is not held to it.)
          let thread = pthread_self()
          let outer = uk_parallel_depth()
          ComputeThreads.parallelFor(4) { j in
            if outer > 0 { #expect(pthread_equal(pthread_self(), thread) != 0) }
            inner.add(i * 4 + j, depth: uk_parallel_depth(), path: KernelPath.current)
          }
        }
        if dynamic {
          ComputeThreads.parallelForEach(37, body)
        } else {
          ComputeThreads.parallelFor(37, body)
        }
      }
      #expect(log.items.sorted() == Array(0..<37), "dynamic \(dynamic)")
      #expect(inner.items.sorted() == Array(0..<(37 * 4)))
      #expect(log.paths.allSatisfy { $0 == .scalar } && inner.paths.allSatisfy { $0 == .scalar })
      #expect(log.nestedDepths.allSatisfy { $0 <= 1 })
      #expect(uk_parallel_depth() == 0)
    }
  }

  /// Loops started from several threads at once (tests, a server's requests) all run every
  /// iteration once: one of them runs on the kept workers, the others on libdispatch's pool.
  @Test func loopsFromSeveralThreadsAtOnceEachRunEveryIteration() {
    let before = ComputeThreads.count
    defer { ComputeThreads.set(before) }
    ComputeThreads.set(2)
    let callers = 4
    let loops = 300
    let iterations = 9
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: callers * loops * iterations)
    defer { counts.deallocate() }
    counts.initialize(repeating: 0, count: callers * loops * iterations)
    let lock = NSLock()
    nonisolated(unsafe) let shared = counts
    DispatchQueue.concurrentPerform(iterations: callers) { caller in
      for loop in 0..<loops {
        ComputeThreads.parallelFor(iterations) { i in
          lock.lock()
          shared[(caller * loops + loop) * iterations + i] += 1
          lock.unlock()
        }
      }
    }
    let all = UnsafeBufferPointer(start: counts, count: callers * loops * iterations)
    #expect(all.allSatisfy { $0 == 1 })
    #expect(uk_parallel_depth() == 0)
  }

  /// Slices cover the range once, in order, start at multiples of the alignment, and stay on the
  /// caller's thread below the minimum. The slice count is asked for rather than set globally:
  /// other suites set the thread count meanwhile (a run read 1 slice where 3 were set).
  @Test(arguments: [1, 2, 3, 8])
  func slicesCoverTheRangeAtAlignedStarts(threads: Int) {
    for count in [0, 1, 255, 256, 1000, 40_000, 100_003] {
      let log = Log()
      ComputeThreads.forEachSlice(count, alignment: 256, minimum: 512, threads: threads) {
        start, end in
        log.add(start, depth: 0, path: .scalar)
        log.add(end, depth: 0, path: .scalar)
      }
      let bounds = log.items.sorted()
      #expect(bounds.first == 0 && bounds.last == count, "\(count)")
      for (i, b) in bounds.enumerated() where i % 2 == 0 {
        #expect(b % 256 == 0, "\(count): slice at \(b)")
        if i > 0 { #expect(bounds[i - 1] == b, "\(count): gap or overlap at \(b)") }
      }
      #expect(bounds.count == 2 * (count < 512 ? 1 : min(threads, (count + 255) / 256)))
    }
  }

  /// SwiGLU split over threads gives the bits of one thread, on every kernel path.
  @Test(arguments: KernelPath.available)
  func swigluIsTheSameAtAnyThreadCount(path: KernelPath) throws {
    let before = ComputeThreads.count
    defer { ComputeThreads.set(before) }
    let count = 70_001  // not a multiple of any vector width
    let up = (0..<count).map { Float(($0 * 7919) % 1000) / 250 - 2 }
    let gate = (0..<count).map { Float(($0 * 104_729) % 997) / 100 - 5 }
    var results: [[Float]] = []
    for threads in [1, 2, 3] {
      ComputeThreads.set(threads)
      var g = gate
      try KernelPath.with(path) {
        g.withUnsafeMutableBufferPointer { VectorMath.swiglu($0.baseAddress!, up, count: count) }
      }
      results.append(g)
    }
    #expect(results[1] == results[0] && results[2] == results[0])
  }
}
