import Foundation
import Testing
@testable import UnmaskTrace

@Suite struct ReaderErrorTests {
  func rewriteLine(_ directory: URL, line: Int, _ transform: (String) -> String) throws {
    let url = directory.appendingPathComponent("trace.jsonl")
    var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
    lines[line - 1] = transform(lines[line - 1])
    try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
  }

  @Test func wrongTypeNamesFileLineAndField() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    try rewriteLine(directory, line: 3) {
      $0.replacingOccurrences(of: "\"block\":0", with: "\"block\":\"x\"")
    }
    do {
      _ = try TraceReader.load(directory)
      Issue.record("expected an error")
    } catch let error as TraceError {
      guard case .malformed(let file, let line, let field, _) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(file.hasSuffix("trace.jsonl"))
      #expect(line == 3)
      #expect(field == "block")
      #expect(error.description.contains("trace.jsonl:3"))
    }
  }

  @Test func brokenJSONAndMissingFieldAreCaught() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    try rewriteLine(directory, line: 2) { String($0.dropLast(5)) }
    #expect {
      _ = try TraceReader.load(directory)
    } throws: { error in
      guard case .malformed(_, let line, _, _) = error as? TraceError else { return false }
      return line == 2
    }
    try rewriteLine(directory, line: 2) { _ in "{\"step\":1}" }
    #expect {
      _ = try TraceReader.load(directory)
    } throws: { error in
      guard case .malformed(_, let line, let field, _) = error as? TraceError else { return false }
      return line == 2 && field != "(record)"
    }
  }

  @Test func outOfRangePositionIsRejected() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    try rewriteLine(directory, line: 4) {
      $0.replacingOccurrences(of: "\"pos\":8", with: "\"pos\":99")
    }
    #expect(throws: TraceError.self) { _ = try TraceReader.load(directory) }
    do {
      _ = try TraceReader.load(directory)
    } catch let error as TraceError {
      #expect(error.description.contains("trace.jsonl:4"))
      #expect(error.description.contains("committed"))
    }
  }

  @Test(arguments: ["run.json", "trace.jsonl", "state.npy", "confidence.npy", "entropy.npy"])
  func missingFileIsNamed(name: String) throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
    #expect(throws: TraceError.missingFile(file: directory.appendingPathComponent(name).path)) {
      _ = try TraceReader.load(directory)
    }
  }

  @Test func truncatedNpyIsRejected() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("state.npy")
    let data = try Data(contentsOf: url)
    try data.prefix(data.count - 4).write(to: url)
    #expect {
      _ = try TraceReader.load(directory)
    } throws: { error in
      guard case .malformed(let file, nil, "data", _) = error as? TraceError else { return false }
      return file.hasSuffix("state.npy")
    }
  }
}
