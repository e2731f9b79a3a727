import Foundation
import UnmaskKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole file mapped read-only into memory; the bytes stay valid while the object lives.
///
/// Checkpoints are used in place from the mapping, so a model's weights cost address space and
/// page cache, not heap.
public final class MappedFile: ReleasableMemory, @unchecked Sendable {
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

  /// Tells the OS that the pages holding `range` are not needed now, so they stop counting as
  /// resident (`madvise(MADV_DONTNEED)`). The mapping is private and read-only, so a later read
  /// simply faults the pages in again from the file: nothing is lost, it only costs a re-read.
  ///
  /// Used after a compressed `.umk` tensor is decoded: otherwise its compressed pages stay
  /// resident beside the decoded copy (peak RSS 1.83x the bf16 weights instead of about 1x).
  public func release(_ range: Range<Int>) {
    guard let base = bytes.baseAddress, !range.isEmpty else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    // Whole pages covering the range: a page shared with a neighbour is re-read if needed.
    let start = (range.lowerBound / page) * page
    let end = min(bytes.count, ((range.upperBound + page - 1) / page) * page)
    guard end > start else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
  }

  /// `release(_:)` for the pages under `part`, a slice of `bytes` (anything else is ignored).
  public func release(_ part: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, let start = part.baseAddress, start >= base,
      start + part.count <= base + bytes.count
    else { return }
    release((start - base)..<(start - base + part.count))
  }

  /// The bytes in `range`, which the caller has checked lies inside the file.
  public func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: bytes[range])
  }
}
