import Foundation
import Testing

/// Runs the `unmask tokenize` / `unmask detokenize` commands over a golden file. The executable
/// is built next to the test bundle by `swift test`; when it is not there (a `--filter` build
/// of this target alone, say) the tests are counted skips, failures under UNMASK_REQUIRE_ALL=1.
@Suite("CLI round trip")
struct CLIRoundTripTests {
  /// The `unmask` executable in the same build folder as the running tests.
  static let executable: URL? = {
    let candidates = [
      Bundle.main.executableURL?.deletingLastPathComponent(),
      Bundle.main.bundleURL.deletingLastPathComponent(),
    ]
    for folder in candidates.compactMap({ $0 }) {
      let url = folder.appendingPathComponent("unmask")
      if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
  }()

  func run(_ arguments: [String], input: String) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let process = Process()
    guard let executable = Self.executable else {
      try skipTest("the unmask executable was not built next to the tests")
      throw CocoaError(.fileNoSuchFile)
    }
    process.executableURL = executable
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Write on another thread so a full output pipe cannot deadlock us.
    let writer = Thread {
      stdin.fileHandleForWriting.write(Data(input.utf8))
      try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: out, as: UTF8.self),
      String(decoding: err, as: UTF8.self)
    )
  }

  @Test("tokenize then detokenize reproduces the goldens")
  func roundTrip() throws {
    let model = Fixtures.root.appendingPathComponent("qwen2").path
    let cases = try Fixtures.golden("qwen2").cases
    let input =
      try cases.map { c -> String in
        let data = try JSONSerialization.data(withJSONObject: c.text, options: [.fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
      }.joined(separator: "\n") + "\n"
    let encoded = try run(["tokenize", "--model", model], input: input)
    #expect(encoded.status == 0, "\(encoded.stderr)")
    let lines = encoded.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == cases.count)
    for (line, c) in zip(lines, cases) {
      let ids = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Int]
      #expect(ids == c.ids.map(Int.init), "text \(String(reflecting: c.text))")
    }
    let decoded = try run(
      ["detokenize", "--model", model], input: lines.joined(separator: "\n") + "\n")
    #expect(decoded.status == 0, "\(decoded.stderr)")
    let texts = decoded.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    for (line, c) in zip(texts, cases) {
      let text =
        try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        as? String
      #expect(text.map { Array($0.utf8) } == Array(c.decoded.utf8))
    }
  }

  @Test("bad input names the line and exits non-zero")
  func badInput() throws {
    let model = Fixtures.root.appendingPathComponent("gpt2").path
    let result = try run(["tokenize", "--model", model], input: "\"ok\"\n[1]\n")
    #expect(result.status != 0)
    #expect(result.stderr.contains("line 2"))
    let bad = try run(["detokenize", "--model", model], input: "[1, 2]\n{\n")
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("line 2"))
  }
}
