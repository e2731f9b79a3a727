import Foundation

/// Writing a file failed: names the file and the system's reason, on one line.
public struct FileWriteError: Error, CustomStringConvertible, Equatable, LocalizedError {
  /// The file that was being written (the destination, not its temporary name).
  public var path: String
  /// What went wrong, e.g. "short write (disk full?)".
  public var message: String

  /// An error writing `path`.
  public init(path: String, _ message: String) {
    self.path = path
    self.message = message
  }

  /// `path: message`.
  public var description: String { "\(path): \(message)" }
  /// Same as `description`, so Foundation's error printing shows the one line too.
  public var errorDescription: String? { description }
}
