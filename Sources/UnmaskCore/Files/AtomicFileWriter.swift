import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one way Unmask writes a file: the bytes go to a temporary file in the destination's
/// folder (so the final `rename(2)` is atomic), which replaces the destination only when
/// `commit()` is called. A reader sees the old file or the whole new one, never half of one.
///
/// The temporary file is removed when writing fails, when the writer is dropped without
/// `commit()`, and on Ctrl-C or SIGTERM (it is listed in `TemporaryFiles`, which
/// `Interruption` empties before the process exits).
///
/// ```swift
/// let file = try AtomicFileWriter(destination: url)
/// try file.write(header)
/// try file.commit(sync: true)
/// ```
public final class AtomicFileWriter {
  /// Where the finished file goes.
  public let destination: URL
  /// The temporary file being written: `destination` + `.tmp-PID-N`, in the same folder.
  public let temporaryPath: String
  /// Bytes written so far (the end of the file).
  public private(set) var position = 0

  private var descriptor: Int32
  private var token: TemporaryFiles.Token?
  nonisolated(unsafe) private static var counter = 0
  private static let counterLock = NSLock()

  /// Creates the temporary file for `destination`.
  ///
  /// - Throws: `FileWriteError` naming `destination` when the folder is missing or not
  ///   writable.
  public init(destination: URL) throws {
    self.destination = destination
    AtomicFileWriter.counterLock.lock()
    AtomicFileWriter.counter += 1
    let serial = AtomicFileWriter.counter
    AtomicFileWriter.counterLock.unlock()
    temporaryPath = destination.path + ".tmp-\(getpid())-\(serial)"
    // Registered before it exists, so a signal between open and register cannot leak it.
    token = TemporaryFiles.register(temporaryPath)
    descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      if let token { TemporaryFiles.unregister(token) }
      throw FileWriteError(path: destination.path, "cannot create: \(reason)")
    }
  }

  deinit { discard() }

  /// Appends `bytes`.
  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard descriptor >= 0 else { throw FileWriteError(path: destination.path, "already closed") }
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = systemWrite(descriptor, base, left)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        let reason = n == 0 ? "short write (disk full?)" : String(cString: strerror(errno))
        discard()
        throw FileWriteError(path: destination.path, "write failed: \(reason)")
      }
      base += n
      left -= n
      position += n
    }
  }

  /// Appends `bytes`.
  public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

  /// Appends `data`.
  public func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }

  /// Appends zeros up to the next multiple of `alignment`.
  public func pad(to alignment: Int) throws {
    let gap = (alignment - position % alignment) % alignment
    if gap > 0 { try write([UInt8](repeating: 0, count: gap)) }
  }

  /// Overwrites bytes at `offset` (already written) without moving the position: a header
  /// whose contents are known only at the end.
  public func write(_ bytes: [UInt8], at offset: Int) throws {
    guard descriptor >= 0 else { throw FileWriteError(path: destination.path, "already closed") }
    precondition(offset >= 0 && offset + bytes.count <= position, "rewrite past the end")
    let n = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
    guard n == bytes.count else {
      let reason = String(cString: strerror(errno))
      discard()
      throw FileWriteError(path: destination.path, "write failed: \(reason)")
    }
  }

  /// Closes the temporary file and renames it over `destination`. With `sync`, the data is
  /// flushed to the disk first, so a renamed file is a complete file even after a crash (a
  /// checkpoint is worth the milliseconds; a trace figure is not).
  ///
  /// - Throws: `FileWriteError`; the temporary file is removed.
  public func commit(sync: Bool = false) throws {
    guard descriptor >= 0 else { throw FileWriteError(path: destination.path, "already closed") }
    if sync && fsync(descriptor) != 0 {
      let reason = String(cString: strerror(errno))
      discard()
      throw FileWriteError(path: destination.path, "fsync failed: \(reason)")
    }
    let closed = close(descriptor)
    descriptor = -1
    guard closed == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw FileWriteError(path: destination.path, "close failed: \(reason)")
    }
    guard rename(temporaryPath, destination.path) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw FileWriteError(
        path: destination.path, "cannot move the finished file into place: \(reason)")
    }
    if let token { TemporaryFiles.unregister(token) }
    token = nil
  }

  /// Abandons the file: closes and removes the temporary file; `destination` is untouched.
  /// Safe to call more than once.
  public func discard() {
    if descriptor >= 0 {
      close(descriptor)
      descriptor = -1
    }
    if let token {
      unlink(temporaryPath)
      TemporaryFiles.unregister(token)
      self.token = nil
    }
  }

  /// Writes `data` to `url` atomically in one call.
  ///
  /// - Throws: `FileWriteError` naming `url`.
  public static func write(_ data: Data, to url: URL, sync: Bool = false) throws {
    let file = try AtomicFileWriter(destination: url)
    try file.write(data)
    try file.commit(sync: sync)
  }
}

#if canImport(Glibc)
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  private let systemWrite = Darwin.write
#endif
