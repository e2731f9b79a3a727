import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whether two paths name the same file on disk, through symbolic links, hard links, `..` and
/// different spellings: compared by device and inode, as `test a -ef b` does.
public enum FileIdentity {
  /// True when both paths exist and are the same file.
  public static func same(_ a: String, _ b: String) -> Bool {
    var first = stat()
    var second = stat()
    guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino
  }
}
