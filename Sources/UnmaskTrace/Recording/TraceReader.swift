import Foundation

/// Loads a trace folder back, validating everything: run.json's format and version, every
/// trace.jsonl record (fields, step order, positions in range, aligned arrays) and the `.npy`
/// shapes. Errors name the file, the 1-based line and the field.
public enum TraceReader {
  /// Reads the trace in `directory`.
  ///
  /// - Throws: `TraceError.missingFile` or `.malformed(file:line:field:expected:)`.
  public static func load(_ directory: URL) throws -> Trace {
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    let run = try readRun(path(TraceDirectory.runFile))
    let steps = try readSteps(path(TraceDirectory.stepsFile), run: run)
    let state = try NPYReader.readInt32(path(TraceDirectory.stateFile))
    let confidence = try NPYReader.readFloat32(path(TraceDirectory.confidenceFile))
    let entropy = try NPYReader.readFloat32(path(TraceDirectory.entropyFile))
    for (name, rows, columns) in [
      (TraceDirectory.stateFile, state.rows, state.columns),
      (TraceDirectory.confidenceFile, confidence.rows, confidence.columns),
      (TraceDirectory.entropyFile, entropy.rows, entropy.columns),
    ] where rows != steps.count || columns != run.canvasLength {
      throw TraceError.malformed(
        file: path(name), line: nil, field: "shape",
        expected: "(\(steps.count), \(run.canvasLength)) to match trace.jsonl and run.json")
    }
    return Trace(run: run, steps: steps, state: state, confidence: confidence, entropy: entropy)
  }

  /// Reads and checks run.json.
  static func readRun(_ path: String) throws -> TraceRunFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TraceError.missingFile(file: path)
    }
    let run: TraceRunFile
    do {
      run = try JSONDecoder().decode(TraceRunFile.self, from: data)
    } catch {
      throw malformed(error, file: path, line: nil)
    }
    guard run.format == TraceRunFile.formatName else {
      throw TraceError.malformed(
        file: path, line: nil, field: "format", expected: "\"\(TraceRunFile.formatName)\"")
    }
    guard run.version == TraceRunFile.currentVersion else {
      throw TraceError.malformed(
        file: path, line: nil, field: "version",
        expected: "\(TraceRunFile.currentVersion) (re-record the trace with this unmask)")
    }
    guard run.canvasLength >= run.promptIds.count, run.promptText.count == run.promptIds.count
    else {
      throw TraceError.malformed(
        file: path, line: nil, field: "canvas_length",
        expected: "at least the prompt length, with one prompt_text per prompt id")
    }
    return run
  }

  /// Reads trace.jsonl line by line, keeping each record's summary.
  static func readSteps(_ path: String, run: TraceRunFile) throws -> [TraceStepRecord] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TraceError.missingFile(file: path)
    }
    let decoder = JSONDecoder()
    var steps: [TraceStepRecord] = []
    var lineNumber = 0
    for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
      lineNumber += 1
      if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
      let record: TraceStepRecord
      do {
        record = try decoder.decode(TraceStepRecord.self, from: Data(line))
      } catch {
        throw malformed(error, file: path, line: lineNumber)
      }
      try validate(record, index: steps.count, run: run, file: path, line: lineNumber)
      steps.append(record.summary)
    }
    guard steps.count == run.steps else {
      throw TraceError.malformed(
        file: path, line: nil, field: "records",
        expected: "\(run.steps) records as run.json says, found \(steps.count)")
    }
    return steps
  }

  /// Checks one record's values against the run.
  static func validate(
    _ record: TraceStepRecord, index: Int, run: TraceRunFile, file: String, line: Int
  ) throws {
    func fail(_ field: String, _ expected: String) -> TraceError {
      .malformed(file: file, line: line, field: field, expected: expected)
    }
    let length = run.canvasLength
    guard record.step == index else { throw fail("step", "\(index) (steps in order from 0)") }
    guard record.block >= 0 else { throw fail("block", "a block index >= 0") }
    guard record.blockStart >= 0, record.blockStart <= record.blockEnd, record.blockEnd <= length
    else { throw fail("block_start", "0 <= block_start <= block_end <= \(length)") }
    for token in record.committed where token.pos < 0 || token.pos >= length {
      throw fail("committed", "positions in 0..<\(length), found \(token.pos)")
    }
    for token in record.remasked where token.pos < 0 || token.pos >= length {
      throw fail("remasked", "positions in 0..<\(length), found \(token.pos)")
    }
    guard record.positions.allSatisfy({ $0 >= 0 && $0 < length }) else {
      throw fail("positions", "positions in 0..<\(length)")
    }
    for (name, values) in [
      ("confidence", record.confidence), ("margin", record.margin), ("entropy", record.entropy),
    ] where values.count != record.positions.count {
      throw fail(name, "\(record.positions.count) values, one per entry of 'positions'")
    }
  }

  /// Turns a decoding error into `TraceError.malformed` naming the field it stopped at.
  static func malformed(_ error: Error, file: String, line: Int?) -> TraceError {
    guard let error = error as? DecodingError else {
      return .malformed(file: file, line: line, field: "(record)", expected: "valid JSON")
    }
    func name(_ path: [CodingKey]) -> String {
      let text = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
      return text.isEmpty ? "(record)" : text
    }
    switch error {
    case .keyNotFound(let key, let context):
      return .malformed(
        file: file, line: line, field: name(context.codingPath + [key]),
        expected: "a value (missing)")
    case .typeMismatch(let type, let context):
      return .malformed(
        file: file, line: line, field: name(context.codingPath), expected: "\(type)")
    case .valueNotFound(let type, let context):
      return .malformed(
        file: file, line: line, field: name(context.codingPath), expected: "\(type), found null")
    case .dataCorrupted(let context):
      return .malformed(
        file: file, line: line, field: name(context.codingPath), expected: "valid JSON")
    @unknown default:
      return .malformed(file: file, line: line, field: "(record)", expected: "valid JSON")
    }
  }
}
