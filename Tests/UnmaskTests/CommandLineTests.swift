import Foundation
import Testing

/// Runs the built `unmask` executable (it sits next to the test bundle in `.build/<config>/`).
struct UnmaskTool {
  static let executable: URL? = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = folder.appendingPathComponent("unmask")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      folder = folder.deletingLastPathComponent()
    }
    return nil
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
    let tool = try #require(executable, "the unmask executable was not built next to the tests")
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
      stderr: String(decoding: stderrData, as: UTF8.self))
  }
}

enum Fixtures {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
  static func model(_ name: String) -> String { root.appendingPathComponent(name).path }
  static func temporary(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("unmask-cli-\(UUID().uuidString)-\(name)").path
  }
}

@Test func logitsCommandWritesAnNpyOfTheRightShape() throws {
  let out = Fixtures.temporary("logits.npy")
  let result = try UnmaskTool.run(["logits", "--model", Fixtures.model("tiny-dream"), "--tokens", "5,6,7", "--out", out])
  #expect(result.status == 0, "\(result.stderr)")
  let data = try Data(contentsOf: URL(fileURLWithPath: out))
  #expect(String(decoding: data.prefix(80), as: UTF8.self).contains("'shape': (3, "))
}

/// Bad input: a one-line error naming the problem, a non-zero exit, and no output file.
@Test(arguments: [
  (["logits", "--model", "/nonexistent", "--tokens", "1", "--out", "OUT"], "/nonexistent"),
  (["logits", "--model", "MODEL", "--tokens", "1,x", "--out", "OUT"], "'x' is not a token id"),
  (["logits", "--model", "MODEL", "--tokens", "99999", "--out", "OUT"], "outside the vocabulary"),
  (["logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--threads", "0"], "--threads"),
])
func badInputGivesAOneLineErrorAndNoOutput(arguments: [String], message: String) throws {
  let out = Fixtures.temporary("never.npy")
  let resolved = arguments.map { $0 == "OUT" ? out : $0 == "MODEL" ? Fixtures.model("tiny-llada") : $0 }
  let result = try UnmaskTool.run(resolved)
  #expect(result.status != 0)
  #expect(result.stderr.contains(message), "\(result.stderr)")
  let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.contains("--help") && !$0.isEmpty }
  #expect(lines.count == 1, "\(result.stderr)")
  #expect(!FileManager.default.fileExists(atPath: out))
}
