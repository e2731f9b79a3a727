import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM for long commands: the output is complete or absent, never half
/// written.
///
/// After `install()`, a signal removes every path in `TemporaryFiles` (the temporary files of
/// unfinished `AtomicFileWriter`s, folders still being filled), runs the `onExit` actions
/// (e.g. showing the terminal cursor again) and exits with 128 + the signal number (130 for
/// Ctrl-C), which is what shells expect.
///
/// Inside `cooperating { ... }` the first signal only sets `requested`: a loop that polls it
/// (the denoiser, through `InterruptionObserver`) winds down and its caller finishes its output
/// (a trace marked interrupted) before exiting. A second signal exits at once as above.
///
/// The signals are taken with `DispatchSource`, so the clean-up runs on a normal queue where
/// locks and file-system calls are allowed, not inside an asynchronous signal handler.
public enum Interruption {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
  nonisolated(unsafe) private static var cooperationDepth = 0
  nonisolated(unsafe) private static var signalled: Int32 = 0
  nonisolated(unsafe) private static var exitActions: [Int: () -> Void] = [:]
  nonisolated(unsafe) private static var nextAction = 0

  /// Takes over SIGINT and SIGTERM for the rest of the process (idempotent).
  public static func install() {
    lock.lock()
    defer { lock.unlock() }
    guard sources.isEmpty else { return }
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { received(number) }
      source.resume()
      sources.append(source)
    }
  }

  /// The signal received (SIGINT or SIGTERM), or nil while none was.
  public static var requestedSignal: Int32? {
    lock.lock()
    defer { lock.unlock() }
    return signalled == 0 ? nil : signalled
  }

  /// Whether a stop was requested (Ctrl-C or SIGTERM arrived).
  public static var requested: Bool { requestedSignal != nil }

  /// Runs `body` with the first signal turned into a request to stop (`requested`) rather
  /// than an exit; the caller checks `requested` afterwards and finishes its output.
  public static func cooperating<R>(_ body: () throws -> R) rethrows -> R {
    lock.lock()
    cooperationDepth += 1
    lock.unlock()
    defer {
      lock.lock()
      cooperationDepth -= 1
      lock.unlock()
    }
    return try body()
  }

  /// Registers `action` to run before the process exits on a signal (e.g. restore the
  /// terminal); returns a key for `removeExitAction`.
  @discardableResult
  public static func addExitAction(_ action: @escaping () -> Void) -> Int {
    lock.lock()
    defer { lock.unlock() }
    nextAction += 1
    exitActions[nextAction] = action
    return nextAction
  }

  /// Forgets an action registered with `addExitAction`.
  public static func removeExitAction(_ key: Int) {
    lock.lock()
    defer { lock.unlock() }
    exitActions[key] = nil
  }

  /// Removes the temporary paths, runs the exit actions and exits with 128 + `signal`.
  public static func exitAfterCleanup(signal number: Int32) -> Never {
    TemporaryFiles.removeAll()
    lock.lock()
    let actions = exitActions.keys.sorted().compactMap { exitActions[$0] }
    exitActions.removeAll()
    lock.unlock()
    for action in actions { action() }
    let name = number == SIGTERM ? "terminated" : "interrupted"
    FileHandle.standardError.write(Data("\n\(name): no partial output left behind\n".utf8))
    exitNow(128 + number)
  }

  /// Flushes stdio and ends the process without `exit`'s atexit handlers and library
  /// destructors: this runs on a dispatch thread while compute threads may still be inside BLAS,
  /// and OpenBLAS's destructor can free the buffers they are using.
  private static func exitNow(_ status: Int32) -> Never {
    fflush(nil)
    _exit(status)
  }

  /// Exits with 128 + the signal number if a stop was requested (after a cooperative wind-down,
  /// once the output is finished); returns otherwise.
  public static func exitIfRequested() {
    guard let number = requestedSignal else { return }
    TemporaryFiles.removeAll()
    exit(128 + number)
  }

  private static func received(_ number: Int32) {
    lock.lock()
    let first = signalled == 0
    if first { signalled = number }
    let cooperative = cooperationDepth > 0
    lock.unlock()
    if first && cooperative {
      FileHandle.standardError.write(
        Data("\ninterrupted: finishing the current step (Ctrl-C again to quit now)\n".utf8))
      return
    }
    exitAfterCleanup(signal: number)
  }
}
