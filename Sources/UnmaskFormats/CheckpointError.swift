import Foundation

/// A problem with a checkpoint file or folder, always naming the file and, where there is one,
/// the tensor or field. `description` is the one line the command-line tool prints.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  /// The file or folder at fault.
  public var path: String
  /// The tensor or JSON field at fault, when the problem is local to one.
  public var item: String?
  /// What is wrong and, where possible, what was expected.
  public var problem: String

  /// An error about `path` (and `item`, if given).
  public init(path: String, item: String? = nil, _ problem: String) {
    self.path = path
    self.item = item
    self.problem = problem
  }

  /// `path: tensor 'name': problem`, on one line.
  public var description: String {
    if let item { return "\(path): '\(item)': \(problem)" }
    return "\(path): \(problem)"
  }
}

extension CheckpointError: LocalizedError {
  /// Same as `description`, so Foundation's error printing shows the one line too.
  public var errorDescription: String? { description }
}
