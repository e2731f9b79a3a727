import Foundation
import Testing
@testable import UnmaskTrace

@Suite struct RecorderTests {
  @Test func stateMatrixMatchesTheRun() throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(trace.state.rows == 6 && trace.state.columns == 12)
    for s in 0..<6 {
      #expect(Array(trace.state.values[(s * 12)..<(s * 12 + 12)]) == TraceFixture.expectedState[s])
    }
    #expect(trace.confidence[0, 8] == 0.5)
    #expect(trace.confidence[0, 2].isNaN)
    #expect(trace.confidence[1, 6].isNaN)
  }

  @Test func jsonlRecordsCarryCommitsRemasksAndScores() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = try String(
      contentsOf: directory.appendingPathComponent("trace.jsonl"), encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 6)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
    #expect(object["step"] as? Int == 1)
    #expect(object["block"] as? Int == 0)
    #expect(object["masked_before"] as? Int == 6)
    #expect(object["masked_after"] as? Int == 5)
    #expect(object["block_start"] as? Int == 4)
    #expect(object["block_end"] as? Int == 8)
    let committed = try #require(object["committed"] as? [[String: Any]])
    #expect(committed.map { $0["pos"] as? Int } == [4, 7])
    #expect(committed.map { $0["text"] as? String } == ["t104", "t107"])
    let remasked = try #require(object["remasked"] as? [[String: Any]])
    #expect(remasked.count == 1)
    #expect(remasked.first?["pos"] as? Int == 5)
    #expect(remasked.first?["token"] as? Int == 105)
    let positions = try #require(object["positions"] as? [Int])
    #expect(positions == [4, 7, 8, 9, 10, 11])
    let confidence = try #require(object["confidence"] as? [Double])
    #expect(confidence.count == 6)
    #expect(abs(confidence[2] - Double(TraceFixture.confidence(8, 1))) < 1e-6)
    #expect((object["entropy"] as? [Double])?.count == 6)
    #expect((object["margin"] as? [Double])?.count == 6)
  }

  @Test func runJSONHasSettingsAndTimings() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try Data(contentsOf: directory.appendingPathComponent("run.json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["format"] as? String == "unmask-trace")
    #expect(object["model"] as? String == "tiny-llada")
    #expect(object["prompt_ids"] as? [Int] == [1, 2, 3, 4])
    #expect(object["canvas_length"] as? Int == 12)
    #expect(object["steps"] as? Int == 6)
    #expect(object["blocks"] as? Int == 2)
    let settings = try #require(object["settings"] as? [String: Any])
    #expect(settings["seed"] as? Int == 42)
    #expect(settings["schedule"] as? String == "linear")
    let timings = try #require(object["timings"] as? [String: Double])
    #expect(timings["load"] == 1.5)
    #expect(timings["model"].map { abs($0 - 0.06) < 1e-9 } == true)
    #expect(timings["trace"] != nil)
  }

  @Test func npyHeadersAreNumPyVersion1() throws {
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, descr, size) in [
      ("state.npy", "<i4", 4), ("confidence.npy", "<f4", 4), ("margin.npy", "<f4", 4),
      ("entropy.npy", "<f4", 4),
    ] {
      let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
      #expect(bytes[0] == 0x93 && Array(bytes[1..<6]) == Array("NUMPY".utf8))
      #expect(bytes[6] == 1 && bytes[7] == 0)
      let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      #expect((10 + headerLength) % 64 == 0)
      let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
      #expect(header.contains("'descr': '\(descr)'"))
      #expect(header.contains("'shape': (6, 12)"))
      #expect(header.hasSuffix("\n"))
      #expect(bytes.count == 10 + headerLength + 6 * 12 * size)
    }
  }

  @Test func readerRoundTrips() throws {
    let (directory, recorded) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let loaded = try TraceReader.load(directory)
    #expect(loaded.run == recorded.run)
    #expect(loaded.steps == recorded.steps)
    #expect(loaded.state.values == recorded.state.values)
    #expect(loaded.run.settings["strategy"] == .string("confidence"))
    #expect(loaded.steps[1].remasked.map(\.pos) == [5])
  }

  @Test func defaultFolderIsTimestampThenStrategy() {
    let date = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC
    let url = TraceDirectory.defaultURL(
      strategy: "low confidence", base: URL(fileURLWithPath: "/tmp"), date: date)
    #expect(url.path == "/tmp/traces/20231114-221320-low_confidence")
  }

  @Test func benchmarkReplaysSyntheticSteps() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try TraceBenchmark.run(steps: 16, positions: 64, directory: directory, keep: true)
    #expect(result.steps == 16 && result.positions == 64)
    // What was timed is a whole trace: it loads with every step and position, and every
    // figure kind was drawn and timed.
    let folders = try FileManager.default.contentsOfDirectory(
      at: directory, includingPropertiesForKeys: nil)
    let folder = try #require(folders.first, "the benchmark kept no trace folder")
    let trace = try TraceReader.load(folder)
    #expect(trace.stepCount == 16)
    #expect(trace.state.columns == 64)
    #expect(Set(result.figureBreakdown.keys) == Set(FigureKind.allCases.map(\.rawValue)))
    #expect(result.description.contains("16 steps x 64 positions"))
  }
}

@Suite struct RecorderLifecycleTests {
  @Test func finishTwiceReturnsTheSameTrace() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-trace-twice-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let recorder = try TraceRecorder(
      directory: directory,
      run: TraceRunInfo(model: "m", promptTokens: TraceFixture.prompt, strategy: "s"))
    recorder.figures.enabled = false
    let (_, steps, _) = TraceFixture.events()
    // No start event: the recorder assumes prompt-then-masks.
    for step in steps { _ = recorder.denoisingDidFinish(step) }
    let first = try recorder.finish()
    let second = try recorder.finish()
    #expect(first.state.values == second.state.values)
    #expect(first.state.rows == 6)
    #expect(try TraceReader.load(directory).stepCount == 6)
  }
}

@Suite struct JSONLineTests {
  @Test func handWrittenLineDecodesToTheSameRecord() throws {
    let record = TraceStepRecord(
      step: 3, block: 1, stepInBlock: 0, t: 0.75, s: nil, blockStart: 8, blockEnd: 12,
      maskedBefore: 4, maskedAfter: 2,
      committed: [
        .init(pos: 9, token: 7, text: "say \"hi\"\n\\ é\u{1}", score: 0.1),
        .init(pos: 10, token: 8, text: "", score: nil),
      ],
      remasked: [.init(pos: 11, token: 5, text: "x")], positions: [8, 9, 10, 11],
      confidence: [0.1, nil, 1e-8, 0.333333343], margin: [0, 0, 0, 0], entropy: [1, 2, 3, 4.5],
      modelSeconds: 0.125)
    let line = record.jsonLine()
    #expect(line.last == 0x0A)
    let decoded = try JSONDecoder().decode(TraceStepRecord.self, from: Data(line.dropLast()))
    #expect(decoded == record)
  }
}

@Suite struct NumPyInteropTests {
  /// numpy reads the matrices directly (a counted skip, see `skipTest`, when no python3 on the PATH, nor the system's,
  /// which scripts/install-deps.sh gives numpy, can import numpy).
  @Test func numpyLoadsTheMatrices() throws {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    let candidates = path.split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
    let python = candidates.first { candidate in
      guard FileManager.default.isExecutableFile(atPath: candidate) else { return false }
      let probe = Process()
      probe.executableURL = URL(fileURLWithPath: candidate)
      probe.arguments = ["-c", "import numpy"]
      probe.standardError = FileHandle.nullDevice
      guard (try? probe.run()) != nil else { return false }
      probe.waitUntilExit()
      return probe.terminationStatus == 0
    }
    guard let python else {
      try skipTest("no python3 that imports numpy (scripts/install-deps.sh)")
      return
    }
    let (directory, _) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = """
      import numpy as np, sys
      d = sys.argv[1]
      s = np.load(d + '/state.npy'); c = np.load(d + '/confidence.npy')
      assert s.shape == (6, 12) and s.dtype == np.int32, (s.shape, s.dtype)
      assert s[1, 5] == -2 and s[5, 11] == 5 and s[0, 0] == -3
      assert c.dtype == np.float32 and c[0, 8] == 0.5 and np.isnan(c[1, 6])
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script, directory.path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }
}
