import Dispatch
import Foundation

/// Runs generation jobs one at a time on one worker thread (the model is CPU-bound and uses
/// every core itself), with at most `capacity` jobs waiting behind the running one.
///
/// A request first `reserve()`s a place, which fails at once with 429 when the queue is full,
/// so the status can still be sent before a streamed response starts; then it `run`s its job.
public final class GenerationQueue: @unchecked Sendable {
  /// Jobs allowed to wait behind the running one.
  public let capacity: Int
  private let worker = DispatchQueue(label: "unmask.serve.generation", qos: .userInitiated)
  private let lock = NSLock()
  private var held = 0
  private var lastSeconds = 1.0

  /// A queue admitting `capacity` waiting jobs.
  public init(capacity: Int) {
    self.capacity = max(0, capacity)
  }

  /// Jobs running or waiting.
  public var pending: Int {
    lock.lock()
    defer { lock.unlock() }
    return held
  }

  /// Takes a place in the queue.
  ///
  /// - Throws: `APIError` 429 with `Retry-After` (the last job's seconds times the jobs ahead,
  ///   at least 1) when `capacity` jobs already wait.
  public func reserve() throws -> Ticket {
    lock.lock()
    defer { lock.unlock() }
    guard held <= capacity else {
      let wait = Int((lastSeconds * Double(held)).rounded(.up))
      throw APIError.queueFull(capacity: capacity, retryAfter: max(1, wait))
    }
    held += 1
    return Ticket(queue: self)
  }

  fileprivate func release(seconds: Double?) {
    lock.lock()
    held -= 1
    if let seconds { lastSeconds = seconds }
    lock.unlock()
  }

  /// A place in the queue: run one job with it, once (an unused ticket is given back when
  /// dropped).
  public final class Ticket: @unchecked Sendable {
    private let queue: GenerationQueue
    private let lock = NSLock()
    private var used = false

    fileprivate init(queue: GenerationQueue) { self.queue = queue }

    deinit {
      if !used { queue.release(seconds: nil) }
    }

    /// Runs `job` on the worker after the jobs ahead; skips it (throwing
    /// `CancellationError`) when `stop` was set while it waited.
    public func run<T: Sendable>(stop: StopFlag, _ job: @escaping @Sendable () throws -> T)
      async throws -> T
    {
      lock.withLock {
        precondition(!used, "a queue ticket runs one job")
        used = true
      }
      let queue = self.queue
      return try await withCheckedThrowingContinuation { continuation in
        queue.worker.async {
          guard !stop.isSet else {
            queue.release(seconds: nil)
            continuation.resume(throwing: CancellationError())
            return
          }
          let start = DispatchTime.now()
          let result = Result { try job() }
          let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
          queue.release(seconds: seconds)
          continuation.resume(with: result)
        }
      }
    }
  }
}
