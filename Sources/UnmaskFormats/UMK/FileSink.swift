import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written sequentially through a POSIX descriptor, with the position tracked and a
/// final positioned write for the preamble.
final class FileSink {
  let path: String
  private let fd: Int32
  private(set) var position = 0

  init(path: String) throws {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else {
      throw CheckpointError(path: path, "cannot create: \(String(cString: strerror(errno)))")
    }
  }

  deinit { close(fd) }

  func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = systemWrite(fd, base, left)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        throw CheckpointError(path: path, "write failed: \(String(cString: strerror(errno)))")
      }
      base += n
      left -= n
      position += n
    }
  }

  func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Writes zeros up to the next multiple of `alignment`.
  func pad(to alignment: Int) throws {
    let gap = (alignment - position % alignment) % alignment
    if gap > 0 { try write([UInt8](repeating: 0, count: gap)) }
  }

  /// Overwrites bytes at `offset` without moving the position.
  func write(_ bytes: [UInt8], at offset: Int) throws {
    let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
    guard n == bytes.count else {
      throw CheckpointError(path: path, "write failed: \(String(cString: strerror(errno)))")
    }
  }

  /// Flushes to disk.
  func sync() throws {
    guard fsync(fd) == 0 else {
      throw CheckpointError(path: path, "fsync failed: \(String(cString: strerror(errno)))")
    }
  }
}

#if canImport(Glibc)
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  private let systemWrite = Darwin.write
#endif
