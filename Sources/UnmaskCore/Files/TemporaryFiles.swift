import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The files and folders that must not outlive an interrupted process: the temporary files of
/// unfinished `AtomicFileWriter`s and folders a command is still filling (a trace being
/// recorded). `Interruption` removes every registered path before the process exits on Ctrl-C
/// or SIGTERM, so it never has to guess a writer's temporary name.
public enum TemporaryFiles {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var paths: [Int: String] = [:]
  nonisolated(unsafe) private static var nextToken = 0

  /// A handle returned by `register`, passed back to `unregister`.
  public struct Token: Sendable, Hashable {
    fileprivate let value: Int
  }

  /// Registers `path` (a file or a folder) to be removed if the process is interrupted.
  public static func register(_ path: String) -> Token {
    lock.lock()
    defer { lock.unlock() }
    nextToken += 1
    paths[nextToken] = path
    return Token(value: nextToken)
  }

  /// Forgets a registration (the file was renamed into place, removed, or is complete).
  public static func unregister(_ token: Token) {
    lock.lock()
    defer { lock.unlock() }
    paths[token.value] = nil
  }

  /// The paths registered now (for tests and diagnostics).
  public static var registered: [String] {
    lock.lock()
    defer { lock.unlock() }
    return paths.keys.sorted().compactMap { paths[$0] }
  }

  /// Removes every registered path (files, and folders with their contents) and forgets them.
  /// Called by `Interruption` on the signal queue, not inside a signal handler.
  public static func removeAll() {
    lock.lock()
    let doomed = paths.values
    paths.removeAll()
    lock.unlock()
    for path in doomed {
      if unlink(path) != 0 { try? FileManager.default.removeItem(atPath: path) }
    }
  }
}
