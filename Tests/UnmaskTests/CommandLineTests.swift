import Foundation
import Testing
import Unmask
import UnmaskTestSupport

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
  /// A path for a new file, removed when the test process exits.
  static func temporary(_ name: String) -> String {
    ScratchFolder.path("cli").path + "-\(name)"
  }
}

@Test func logitsCommandWritesAnNpyOfTheRightShape() throws {
  let out = Fixtures.temporary("logits.npy")
  let result = try UnmaskTool.run([
    "logits", "--model", Fixtures.model("tiny-dream"), "--tokens", "5,6,7", "--out", out,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let data = try Data(contentsOf: URL(fileURLWithPath: out))
  #expect(String(decoding: data.prefix(80), as: UTF8.self).contains("'shape': (3, "))
}

/// `--attention` picks the mask: the model's own (full) by default; block-causal with one block
/// as long as the canvas is the full pass; a smaller block changes the first block's rows.
@Test func logitsAttentionFlagPicksTheMask() throws {
  func logits(_ flags: [String]) throws -> [Float] {
    let out = Fixtures.temporary("mask-logits.npy")
    let result = try UnmaskTool.run(
      ["logits", "--model", Fixtures.model("tiny-llada"), "--tokens", "5,6,7,8,9,10", "--out", out]
        + flags)
    #expect(result.status == 0, "\(result.stderr)")
    return try NumPyFile.readFloat32(Data(contentsOf: URL(fileURLWithPath: out)), source: out)
      .values
  }
  let own = try logits([])
  #expect(try logits(["--attention", "full"]) == own)
  #expect(try logits(["--attention", "block-causal", "--block-length", "6"]) == own)
  #expect(try logits(["--attention", "sliding", "--window", "6"]) == own)
  #expect(try logits(["--attention", "block-causal", "--block-length", "2"]) != own)
}

/// `--sigma` reaches a time-conditioned DiT (MDLM's rows move with it); a checkpoint without
/// time conditioning zeroes it, as its reference does (same weights, so the σ = 0 rows).
@Test func logitsSigmaFlagConditionsTheDiT() throws {
  func logits(_ fixture: String, _ flags: [String]) throws -> [Float] {
    let out = Fixtures.temporary("sigma-logits.npy")
    let result = try UnmaskTool.run(
      ["logits", "--model", Fixtures.model(fixture), "--tokens", "5,199,7,199", "--out", out]
        + flags)
    #expect(result.status == 0, "\(result.stderr)")
    return try NumPyFile.readFloat32(Data(contentsOf: URL(fileURLWithPath: out)), source: out)
      .values
  }
  let atZero = try logits("tiny-mdlm", [])
  #expect(atZero.count == 4 * 200)  // every column, the mask's (199) included
  #expect(try logits("tiny-mdlm", ["--sigma", "0"]) == atZero)
  #expect(try logits("tiny-mdlm", ["--sigma", "2.5"]) != atZero)
  #expect(try logits("tiny-mdlm-notime", ["--sigma", "2.5"]) == atZero)
}

/// Bad input: a one-line error naming the problem, a non-zero exit, and no output file.
@Test(arguments: [
  (["logits", "--model", "/nonexistent", "--tokens", "1", "--out", "OUT"], "/nonexistent"),
  (["logits", "--model", "MODEL", "--tokens", "1,x", "--out", "OUT"], "'x' is not a token id"),
  (["logits", "--model", "MODEL", "--tokens", "99999", "--out", "OUT"], "outside the vocabulary"),
  (["logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--threads", "0"], "--threads"),
  (
    ["logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--attention", "block-causal"],
    "--block-length"
  ),
  (["logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--window", "4"], "--window"),
  (["logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--sigma", "1"], "--sigma"),
  (["logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--sigma=-1"], "--sigma"),
  (
    [
      "logits", "--model", "MODEL", "--tokens", "1", "--out", "OUT", "--attention", "sliding",
      "--window", "0",
    ], "--window"
  ),
])
func badInputGivesAOneLineErrorAndNoOutput(arguments: [String], message: String) throws {
  let out = Fixtures.temporary("never.npy")
  let resolved = arguments.map {
    $0 == "OUT" ? out : $0 == "MODEL" ? Fixtures.model("tiny-llada") : $0
  }
  let result = try UnmaskTool.run(resolved)
  #expect(result.status != 0)
  #expect(result.stderr.contains(message), "\(result.stderr)")
  let lines = result.stderr.split(separator: "\n").filter {
    !$0.hasPrefix("Usage") && !$0.contains("--help") && !$0.isEmpty
  }
  #expect(lines.count == 1, "\(result.stderr)")
  #expect(!FileManager.default.fileExists(atPath: out))
}

/// An unknown `--kernel` names the flag and the choices (ArgumentParser adds its help line for
/// the flag, as for every enum option), exits non-zero and writes nothing.
@Test func unknownKernelNamesTheChoices() throws {
  let out = Fixtures.temporary("never-kernel.npy")
  let result = try UnmaskTool.run([
    "logits", "--model", Fixtures.model("tiny-llada"), "--tokens", "1", "--out", out, "--kernel",
    "sse9",
  ])
  #expect(result.status != 0)
  #expect(result.stderr.contains("'sse9' is invalid for '--kernel"), "\(result.stderr)")
  #expect(result.stderr.contains("avx512-bf16"))
  #expect(!FileManager.default.fileExists(atPath: out))
}

/// `--kernel` picks the path for the whole run; every exact path gives the same logits within
/// float32 summation-order noise (the golden tests bound each against the reference).
@Test func kernelFlagRunsEachExactPath() throws {
  var outputs: [[Float]] = []
  for path in KernelPath.available where path.isExact {
    let out = Fixtures.temporary("logits-\(path.rawValue).npy")
    let result = try UnmaskTool.run([
      "logits", "--model", Fixtures.model("tiny-llada-gqa"), "--tokens", "5,6,7", "--out", out,
      "--kernel", path.rawValue,
    ])
    #expect(result.status == 0, "\(path): \(result.stderr)")
    outputs.append(
      try NumPyFile.readFloat32(Data(contentsOf: URL(fileURLWithPath: out)), source: out).values)
  }
  let first = try #require(outputs.first)
  let scale = first.map(abs).max() ?? 1
  for other in outputs.dropFirst() {
    let gap = zip(first, other).map { abs($0 - $1) }.max() ?? 0
    #expect(gap <= 1e-5 * scale)
  }
}
