import Foundation

/// Writes JSON lines to a temporary file next to `path` and renames it into place on `finish()`,
/// so an interrupted run leaves no half-written file under the final name.
public final class JSONLinesWriter {
  /// The final path.
  public let path: String
  private let temporaryPath: String
  private let handle: FileHandle
  private let encoder: JSONEncoder

  /// Creates (truncates) the temporary file; errors name the path.
  public init(path: String) throws {
    self.path = path
    temporaryPath = path + ".partial"
    guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
      let handle = FileHandle(forWritingAtPath: temporaryPath)
    else {
      throw ExperimentError(source: path, problem: "cannot be written")
    }
    self.handle = handle
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  }

  /// Appends one value as a line.
  public func append<T: Encodable>(_ value: T) throws {
    var data = try encoder.encode(value)
    data.append(UInt8(ascii: "\n"))
    try handle.write(contentsOf: data)
  }

  /// Closes the file and moves it to `path`.
  public func finish() throws {
    try handle.close()
    if FileManager.default.fileExists(atPath: path) {
      try FileManager.default.removeItem(atPath: path)
    }
    try FileManager.default.moveItem(atPath: temporaryPath, toPath: path)
  }
}
