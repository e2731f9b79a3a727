import Foundation
import Testing
import Unmask

/// Issue 15, defect 13 and part 5: Ctrl-C (and SIGTERM) during a long command leaves a
/// complete output or none, sent to the real `unmask` binary while it works.
@Suite(.serialized) struct InterruptTests {
  /// A fresh folder holding a 32 MB bf16 safetensors file (8 matrices of weight-like values),
  /// large enough that converting it takes seconds in a debug build.
  func bigCheckpoint() throws -> URL {
    let folder = URL(fileURLWithPath: Fixtures.temporary("interrupt"))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var rng = SplitMix64(seed: 13)
    let rows = 1024, columns = 2048, count = 8
    var header = "{"
    for i in 0..<count {
      let begin = i * rows * columns * 2
      header +=
        (i > 0 ? "," : "")
        + "\"layers.\(i).weight\":{\"dtype\":\"BF16\",\"shape\":[\(rows),\(columns)],"
        + "\"data_offsets\":[\(begin),\(begin + rows * columns * 2)]}"
    }
    header += "}"
    while header.utf8.count % 8 != 0 { header += " " }
    var data = Data()
    var length = UInt64(header.utf8.count).littleEndian
    data.append(Data(bytes: &length, count: 8))
    data.append(Data(header.utf8))
    var values = [UInt16](repeating: 0, count: rows * columns * count)
    for i in values.indices {
      // bf16 around 0.01: a skewed exponent and a random mantissa, like trained weights.
      let r = rng.next()
      values[i] = UInt16(0x3C00 | (r & 0x1FF) | ((r >> 9) & 0x8000))
    }
    values.withUnsafeBytes { data.append(contentsOf: $0) }
    let url = folder.appendingPathComponent("model.safetensors")
    try data.write(to: url)
    return url
  }

  func contents(_ folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
  }

  func hasTemporaryFile(_ folder: URL) -> Bool {
    ((try? contents(folder)) ?? []).contains { $0.contains(".tmp-") }
  }

  @Test(arguments: [SIGINT, SIGTERM])
  func convertInterruptedLeavesNoOutputAndNoTemporaryFile(signal: Int32) throws {
    let source = try bigCheckpoint()
    let folder = source.deletingLastPathComponent()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("out.umk")
    let tool = try RunningTool(["convert", source.path, out.path, "--threads", "1"])
    #expect(tool.wait(upTo: 60) { hasTemporaryFile(folder) }, "the writer never started")
    tool.send(signal)
    let status = tool.finish()
    try expectCompleteOrNothing(
      status: status, signal: signal, folder: folder, inputs: ["model.safetensors"],
      output: out, stderr: tool.stderr)
  }

  /// A complete output or none: interrupted, the command exits 128 + signal and leaves only its
  /// inputs; if the signal came after the last write (a loaded machine can be that slow to
  /// deliver it), it exits 0 and its output is whole (`unmask verify` passes). Never a
  /// temporary file, never a partial output.
  func expectCompleteOrNothing(
    status: Int32, signal: Int32, folder: URL, inputs: [String], output: URL, stderr: String
  ) throws {
    if status == 0 {
      #expect(try contents(folder) == (inputs + [output.lastPathComponent]).sorted(), "\(stderr)")
      if output.pathExtension == "umk" {
        let verified = try UnmaskTool.run(["verify", output.path])
        #expect(verified.status == 0, "finished before the signal, but: \(verified.stderr)")
      }
      print("note: the signal arrived after the output was complete; checked it instead")
    } else {
      #expect(status == 128 + signal, "\(stderr)")
      #expect(try contents(folder) == inputs.sorted(), "\(stderr)")
    }
  }

  @Test func exportInterruptedLeavesNoOutputAndNoTemporaryFile() throws {
    let source = try bigCheckpoint()
    let folder = source.deletingLastPathComponent()
    defer { try? FileManager.default.removeItem(at: folder) }
    let umk = folder.appendingPathComponent("model.umk")
    let converted = try UnmaskTool.run(["convert", source.path, umk.path])
    try #require(converted.status == 0, "\(converted.stderr)")
    let out = folder.appendingPathComponent("back.safetensors")
    let tool = try RunningTool(["export", umk.path, out.path])
    #expect(tool.wait(upTo: 60) { hasTemporaryFile(folder) }, "the writer never started")
    tool.send(SIGINT)
    let status = tool.finish()
    try expectCompleteOrNothing(
      status: status, signal: SIGINT, folder: folder, inputs: ["model.safetensors", "model.umk"],
      output: out, stderr: tool.stderr)
  }

  /// The trace of an interrupted run is finished: run.json says so, every .npy header counts
  /// the rows written, trace.jsonl ends with a whole line, and `trace render` draws it.
  @Test func generateTraceInterruptedIsFinishedAndMarked() throws {
    let trace = URL(fileURLWithPath: Fixtures.temporary("trace"))
    defer { try? FileManager.default.removeItem(at: trace) }
    let steps = trace.appendingPathComponent("trace.jsonl")
    let tool = try RunningTool([
      "generate", "--model", Fixtures.model("tiny-llada"), "--prompt-tokens", "1,2,3",
      "--length", "128", "--steps", "128", "--trace", trace.path, "--quiet",
    ])
    let started = tool.wait(upTo: 120) {
      ((try? Data(contentsOf: steps)) ?? Data()).contains(UInt8(ascii: "\n"))
    }
    #expect(started, "no step was recorded: \(tool.stderr)")
    tool.send(SIGINT)
    let status = tool.finish()
    #expect(status == 130, "\(tool.stderr)")

    let run = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: trace.appendingPathComponent("run.json"))) as? [String: Any])
    #expect(run["interrupted"] as? Bool == true)
    let recorded = try #require(run["steps"] as? Int)
    #expect(recorded >= 1 && recorded < 128, "stopped early, after \(recorded) steps")
    let lines = try Data(contentsOf: steps)
    #expect(lines.last == UInt8(ascii: "\n"), "trace.jsonl ends with a whole line")
    #expect(lines.split(separator: UInt8(ascii: "\n")).count == recorded)
    for name in ["state.npy", "confidence.npy", "margin.npy", "entropy.npy"] {
      let header = String(
        decoding: try Data(contentsOf: trace.appendingPathComponent(name)).prefix(128),
        as: UTF8.self)
      #expect(header.contains("'shape': (\(recorded), 131)"), "\(name): \(header)")
    }
    let figures = URL(fileURLWithPath: Fixtures.temporary("figures"))
    defer { try? FileManager.default.removeItem(at: figures) }
    let render = try UnmaskTool.run(["trace", "render", trace.path, "--out", figures.path])
    #expect(render.status == 0, "\(render.stderr)")
  }

  /// On a terminal, Ctrl-C typed during the live view stops the run and shows the cursor
  /// again (the view hides it while redrawing). Run under script(1) for a pseudo-terminal.
  @Test func liveViewRestoresTheCursorOnCtrlC() throws {
    try #require(
      FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
      "script(1) is needed for a terminal")
    let hide = "\u{1B}[?25l", show = "\u{1B}[?25h"
    let tool = try RunningTool(
      [
        "generate", "--model", Fixtures.model("tiny-llada"), "--prompt-tokens", "1,2,3",
        "--length", "128", "--steps", "128",
      ], terminal: true)
    // Wait for the first frame after the cursor was hidden (a frame starts by going home).
    let drawing = tool.wait(upTo: 120) { tool.stdout.contains(hide + "\u{1B}[H") }
    #expect(drawing, "no live view: \(tool.stdout.suffix(200))")
    tool.type([0x03])
    let status = tool.finish()
    #expect(status == 130, "\(tool.stdout.suffix(300))")
    let output = tool.stdout
    let lastHide = try #require(output.range(of: hide, options: .backwards))
    #expect(output[lastHide.upperBound...].contains(show), "the cursor is left hidden")
  }
}
