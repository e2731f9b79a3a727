import Foundation

/// The results file of a sweep: one JSON object a line, each with the point's `key`.
///
/// Resuming: the keys already present are skipped. A line is appended with one write of the
/// whole line and the file is synced, so an interrupted point leaves at most a line without its
/// newline, which `open` cuts off before appending.
public final class SweepResults {
  /// The file.
  public let path: String
  /// Keys of the points already in the file.
  public private(set) var keys: Set<String> = []

  /// Opens (creating) the file, dropping a partial last line.
  public init(path: String) throws {
    self.path = path
    let manager = FileManager.default
    if !manager.fileExists(atPath: path) {
      guard manager.createFile(atPath: path, contents: nil) else {
        throw ExperimentError(source: path, problem: "cannot be created")
      }
    }
    guard var data = manager.contents(atPath: path) else {
      throw ExperimentError(source: path, problem: "cannot be read")
    }
    if let last = data.last, last != UInt8(ascii: "\n") {
      let cut = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
      data = data.prefix(cut)
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
    for row in try JSONLines.parse(data, source: path) {
      keys.insert(try JSONLines.string(row.object, "key", source: path, line: row.line))
    }
  }

  /// Appends one result line (its `key` must be set).
  public func append(_ object: [String: Any]) throws {
    var line = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    line.append(UInt8(ascii: "\n"))
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw ExperimentError(source: path, problem: "cannot be written")
    }
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: line)
    try handle.synchronize()
    if let key = object["key"] as? String { keys.insert(key) }
  }

  /// Joins result files: one line per key (the first seen), ordered by `index`, written
  /// atomically to `output`.
  public static func merge(_ inputs: [String], into output: String) throws -> Int {
    var rows: [(index: Int, key: String, object: [String: Any])] = []
    var seen = Set<String>()
    for input in inputs {
      for row in try JSONLines.read(path: input) {
        let key = try JSONLines.string(row.object, "key", source: input, line: row.line)
        guard let index = row.object["index"] as? Int else {
          throw ExperimentError(
            source: input, line: row.line, field: "index", problem: "missing integer")
        }
        if seen.insert(key).inserted { rows.append((index, key, row.object)) }
      }
    }
    rows.sort { $0.index < $1.index }
    var data = Data()
    for row in rows {
      data += try JSONSerialization.data(
        withJSONObject: row.object, options: [.sortedKeys, .withoutEscapingSlashes])
      data.append(UInt8(ascii: "\n"))
    }
    do { try data.write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
      throw ExperimentError(source: output, problem: "cannot be written")
    }
    return rows.count
  }
}
