import Foundation
import Testing

/// Issue 15, part 4: each defect found by trying the tool as a new user would, through the
/// real executable (`UNMASK_EXECUTABLE` runs them against another build).
@Suite struct DefectRegressionTests {
  func run(_ arguments: [String]) throws -> UnmaskTool.Result {
    let tool = try RunningTool(arguments)
    let status = tool.finish(within: 300)
    return UnmaskTool.Result(status: status, stdout: tool.stdout, stderr: tool.stderr)
  }

  func folder() throws -> URL {
    let url = URL(fileURLWithPath: Fixtures.temporary("defects"))
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The one line of an error (usage lines aside).
  func errorLines(_ result: UnmaskTool.Result) -> [Substring] {
    result.stderr.split(separator: "\n").filter {
      !$0.hasPrefix("Usage") && !$0.contains("--help")
        && !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }
  }

  /// Defect 1: converting a quantized .umk again wrote a file every reader but Python refused.
  @Test(arguments: [[], ["--quantize", "q4_0"], ["--quantize", "q8_0"], ["--dtype", "f32"]])
  func reconvertedQuantizedFilesAreReadable(flags: [String]) throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let q8 = folder.appendingPathComponent("q8.umk").path
    let back = folder.appendingPathComponent("back.umk").path
    #expect(
      try run(["convert", Fixtures.model("tiny-llada"), q8, "--quantize", "q8_0"]).status == 0)
    let converted = try run(["convert", q8, back] + flags)
    #expect(converted.status == 0, "\(converted.stderr)")
    for command in ["inspect", "verify"] {
      let result = try run([command, back])
      #expect(result.status == 0, "\(command): \(result.stderr)")
    }
    let inspect = try run(["inspect", back]).stdout
    if flags == ["--quantize", "q4_0"] { #expect(inspect.contains(">Q4_0"), "\(inspect)") }
    if flags == ["--dtype", "f32"] { #expect(!inspect.contains("Q8_0"), "\(inspect)") }
    let generated = try run([
      "generate", "--model", back, "--prompt-tokens", "1,2,3", "--length", "4", "--steps", "2",
      "--quiet",
    ])
    #expect(generated.status == 0, "\(generated.stderr)")
  }

  /// Defect 2: `convert DIR DIR/model.safetensors` overwrote its own source.
  @Test func convertRefusesToOverwriteItsInput() throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = folder.appendingPathComponent("model")
    try FileManager.default.copyItem(
      at: URL(fileURLWithPath: Fixtures.model("tiny-llada")), to: model)
    let weights = model.appendingPathComponent("model.safetensors")
    let original = try Data(contentsOf: weights)
    let link = folder.appendingPathComponent("link.umk")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: weights)
    for destination in [weights.path, link.path, model.appendingPathComponent("config.json").path] {
      let result = try run(["convert", model.path, destination])
      #expect(result.status != 0, "\(destination) was accepted")
      #expect(result.stderr.contains("is an input"), "\(result.stderr)")
      #expect(errorLines(result).count == 1, "\(result.stderr)")
    }
    #expect(try Data(contentsOf: weights) == original, "the source was overwritten")
    let umk = folder.appendingPathComponent("m.umk").path
    #expect(try run(["convert", model.path, umk]).status == 0)
    let export = try run(["export", umk, umk])
    #expect(export.status != 0 && export.stderr.contains("is the input"), "\(export.stderr)")
  }

  /// Defect 2: a .umk written under the .safetensors extension is refused; other extensions
  /// get a warning.
  @Test func convertRefusesAUMKNamedSafetensorsAndWarnsOnOtherNames() throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let named = folder.appendingPathComponent("out.safetensors").path
    let refused = try run(["convert", Fixtures.model("tiny-llada"), named])
    #expect(refused.status != 0, "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: named))
    let other = folder.appendingPathComponent("out.bin").path
    let warned = try run(["convert", Fixtures.model("tiny-llada"), other])
    #expect(warned.status == 0 && warned.stderr.contains("warning"), "\(warned.stderr)")
  }

  /// Defect 4: `trace compare --help` offered order and animation, which it then refused.
  @Test func traceCompareOffersOnlyWhatItDraws() throws {
    let help = try run(["trace", "compare", "--help"])
    let line = try #require(help.stdout.split(separator: "\n").first { $0.contains("--figure") })
    #expect(!line.contains("animation"), "\(line)")
    let trace = Fixtures.temporary("compare-trace")
    let out = Fixtures.temporary("order.png")
    defer {
      try? FileManager.default.removeItem(atPath: trace)
      try? FileManager.default.removeItem(atPath: out)
    }
    let generated = try run([
      "generate", "--model", Fixtures.model("tiny-llada"), "--prompt-tokens", "1,2,3",
      "--length", "8", "--steps", "4", "--trace", trace, "--quiet",
    ])
    try #require(generated.status == 0, "\(generated.stderr)")
    let compared = try run(["trace", "compare", trace, trace, "--out", out, "--figure", "order"])
    #expect(compared.status == 0, "\(compared.stderr)")
    #expect(FileManager.default.fileExists(atPath: out))
  }

  /// Defect 5: `bench convert --skip-load` without a path did nothing and exited 0.
  @Test func benchConvertWithNothingToDoIsAnError() throws {
    let result = try run(["bench", "convert", "--skip-load"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("--skip-load"), "\(result.stderr)")
  }

  /// Defect 6: a bad --model path was reported only after the sgemm baseline ran, and the
  /// baseline used the synthetic shape instead of the model's.
  @Test func benchForwardChecksThePathFirstAndUsesTheModelsShape() throws {
    let bad = try run(["bench", "forward", "--model", "/nonexistent-model", "--tokens", "8"])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("/nonexistent-model"), "\(bad.stderr)")
    #expect(!bad.stdout.contains("sgemm"), "the baseline ran first: \(bad.stdout)")
    let good = try run([
      "bench", "forward", "--model", Fixtures.model("tiny-llada"), "--tokens", "8",
      "--repetitions", "1",
    ])
    #expect(good.status == 0, "\(good.stderr)")
    // tiny-llada: d_model 64, MLP 128.
    #expect(good.stdout.contains("sgemm [8 x 64] x [128 x 64]^T"), "\(good.stdout)")
  }

  /// Defect 7: --level's help said 1-19 while 0...22 was accepted; --chunk demanded 1024 or
  /// more while FORMAT.md allows 1...2^20.
  @Test func convertLimitsMatchTheirHelpAndTheFormat() throws {
    let help = try run(["convert", "--help"]).stdout
    #expect(help.contains("0-22") && !help.contains("1-19"), "\(help)")
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("c.umk").path
    let small = try run([
      "convert", Fixtures.root.appendingPathComponent("umk/tiny.safetensors").path, out,
      "--chunk", "1", "--level", "22",
    ])
    #expect(small.status == 0, "\(small.stderr)")
    #expect(try run(["verify", out]).status == 0)
    let tooHigh = try run(["convert", Fixtures.model("tiny-llada"), out, "--level", "23"])
    #expect(tooHigh.status != 0 && tooHigh.stderr.contains("0...22"), "\(tooHigh.stderr)")
  }

  /// Defect 8: help texts pointed at "the issue's bound" and "the issue's benchmark shape".
  @Test(arguments: [
    ["generate"], ["logits"], ["tokenize"], ["detokenize"], ["convert"], ["inspect"],
    ["verify"], ["export"], ["trace", "render"], ["trace", "compare"], ["trace", "bench"],
    ["bench", "forward"], ["bench", "convert"], ["bench", "trace"],
  ])
  func helpNamesNoInvisibleIssue(command: [String]) throws {
    let help = try run(command + ["--help"])
    #expect(!help.stdout.lowercased().contains("the issue"), "\(help.stdout)")
    if command == ["bench", "forward"] { #expect(help.stdout.contains("d 1024, 8 layers")) }
  }

  /// Defect 15: text files named .umk or .safetensors were "truncated" or had a huge header.
  @Test(arguments: [
    ("text.umk", "not a .umk file"), ("text.safetensors", "not a safetensors file"),
  ])
  func textFilesAreNamedForWhatTheyAreNot(name: String, message: String) throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent(name)
    try Data("this is only a text file\n".utf8).write(to: file)
    for command in [["inspect", file.path], ["convert", file.path, folder.path + "/o.umk"]] {
      let result = try run(command)
      #expect(result.status != 0)
      #expect(result.stderr.contains(message), "\(command[0]): \(result.stderr)")
    }
  }
}
