import Foundation
import UnmaskCore

/// What went wrong while writing or reading a trace; every case names the file, and records
/// also the 1-based line and the field, so the CLI can print one line that says where to look.
public enum TraceError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// A file a trace folder needs is not there.
  case missingFile(file: String)
  /// A record or header is not what the format says: `line` is 1-based (nil for whole files),
  /// `field` the JSON key or header entry, `expected` what should have been there.
  case malformed(file: String, line: Int?, field: String, expected: String)
  /// Reading or writing failed at the system level.
  case io(file: String, message: String)
  /// libpng refused to encode or decode.
  case png(file: String, message: String)
  /// A rendering option is out of range (e.g. a block that the trace does not have).
  case invalidOption(name: String, message: String)

  /// One line: `file:line: field: expected ...`.
  public var description: String {
    switch self {
    case .missingFile(let file):
      return "\(file): missing (a trace folder holds run.json, trace.jsonl and *.npy)"
    case .malformed(let file, let line, let field, let expected):
      let place = line.map { "\(file):\($0)" } ?? file
      return "\(place): field '\(field)': expected \(expected)"
    case .io(let file, let message):
      return "\(file): \(message)"
    case .png(let file, let message):
      return "\(file): PNG error: \(message)"
    case .invalidOption(let name, let message):
      return "option \(name): \(message)"
    }
  }

  /// Same as `description`, for `localizedDescription`.
  public var errorDescription: String? { description }
}

extension AtomicFileWriter {
  /// `write(_:to:)` for trace files, with a failure reported as `TraceError.io` (the one error
  /// type of this module) naming the file.
  static func writeTraceFile(_ data: Data, to url: URL) throws {
    do {
      try write(data, to: url)
    } catch let error as FileWriteError {
      throw TraceError.io(file: error.path, message: error.message)
    }
  }
}
