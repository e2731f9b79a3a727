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
}
