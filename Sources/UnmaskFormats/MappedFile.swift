import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole file mapped read-only into memory; the bytes stay valid while the object lives.
///
/// Checkpoints are used in place from the mapping, so a model's weights cost address space and
/// page cache, not heap.
public final class MappedFile: @unchecked Sendable {
  /// The file's path, for error messages.
  public let path: String
  /// All bytes of the file.
  public let bytes: UnsafeRawBufferPointer

  /// Maps `url` read-only. Empty files and unreadable paths are errors naming the path.
  public init(url: URL) throws {
    path = url.path
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else {
      throw CheckpointError(path: url.path, "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw CheckpointError(path: url.path, "cannot stat: \(String(cString: strerror(errno)))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw CheckpointError(path: url.path, "not a regular file")
    }
    let size = Int(info.st_size)
    guard size > 0 else { throw CheckpointError(path: url.path, "file is empty") }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED
    else {
      throw CheckpointError(path: url.path, "cannot map: \(String(cString: strerror(errno)))")
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }

  /// The number of bytes in the file.
  public var count: Int { bytes.count }

  /// The bytes in `range`, which the caller has checked lies inside the file.
  public func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: bytes[range])
  }
}
