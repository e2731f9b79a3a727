import Foundation
import Testing

/// `unmask convert --quantize Q4_K_M` and `unmask export … .gguf` through the real executable.
@Suite struct GGUFExportCommandTests {
  func run(_ arguments: [String]) throws -> UnmaskTool.Result { try UnmaskTool.run(arguments) }

  /// llama-quantize's spelling is accepted; the exported GGUF opens and generates; the
  /// exported file of a tiny model (rows of 64, not whole super-blocks) holds the fallback
  /// types Q4_0 and Q8_0.
  @Test func quantizeThenExportRunsFromTheGGUF() throws {
    let folder = URL(fileURLWithPath: Fixtures.temporary("gguf-export"))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let umk = folder.appendingPathComponent("q4km.umk").path
    let gguf = folder.appendingPathComponent("q4km.gguf").path
    let converted = try run(["convert", Fixtures.model("tiny-llada"), umk, "--quantize", "Q4_K_M"])
    #expect(converted.status == 0, "\(converted.stderr)")
    let exported = try run(["export", umk, gguf])
    #expect(
      exported.status == 0 && exported.stdout.contains("architecture llada"), "\(exported.stderr)")
    let inspected = try run(["inspect", gguf])
    #expect(
      inspected.stdout.contains("Q4_0") && inspected.stdout.contains("Q8_0"), "\(inspected.stdout)")
    let generated = try run([
      "generate", "--model", gguf, "--prompt-tokens", "12,57,3", "--length", "8", "--steps", "4",
      "--block-length", "8",
    ])
    #expect(generated.status == 0, "\(generated.stderr)")
  }

  /// An architecture llama.cpp does not run: one line naming it, no file.
  @Test func unsupportedArchitectureIsOneLine() throws {
    let folder = URL(fileURLWithPath: Fixtures.temporary("gguf-export-refused"))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("x.gguf").path
    let result = try run(["export", Fixtures.model("tiny-sdar"), out])
    #expect(result.status != 0 && result.stderr.contains("has no GGUF form"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
