import Foundation
import Testing
import Unmask

/// `unmask generate` through the real executable: JSON report, presets, seeds, bad settings.
@Suite("unmask generate")
struct GenerateCommandTests {
  func generateJSON(_ extra: [String], model: String = "tiny-llada") throws -> [String: Any] {
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model(model), "--prompt", "The quick brown fox", "--json"]
        + extra)
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    return try #require(object as? [String: Any])
  }

  @Test func jsonReportCarriesTokensTextStepsTimingAndEverySetting() throws {
    let report = try generateJSON(["--length", "8", "--steps", "4"])
    let tokens = try #require(report["tokens"] as? [Int])
    #expect(tokens.count == 8)
    #expect(report["text"] is String)
    #expect(report["steps"] as? Int == 4)
    #expect(report["seconds"] is Double)
    let settings = try #require(report["settings"] as? [String: Any])
    for key in [
      "strategy", "schedule", "seed", "length", "steps", "block_length", "temperature", "mask_id",
    ] {
      #expect(settings[key] != nil, "settings.\(key) missing")
    }
  }

  @Test func aSeedReproducesAStochasticRunExactly() throws {
    let flags = [
      "--length", "12", "--steps", "6", "--temperature", "1", "--strategy", "random", "--seed", "7",
    ]
    let first = try generateJSON(flags)["tokens"] as? [Int]
    let second = try generateJSON(flags)["tokens"] as? [Int]
    let other = try generateJSON(flags.dropLast() + ["8"])["tokens"] as? [Int]
    #expect(first == second)
    #expect(first != other)
  }

  @Test func dreamPresetWithChatTemplateRuns() throws {
    let report = try generateJSON(
      ["--preset", "dream", "--chat", "--length", "8", "--steps", "4"], model: "tiny-dream")
    let settings = try #require(report["settings"] as? [String: Any])
    #expect(settings["top_k"] as? Int == 50)
    #expect(settings["mask_id"] as? Int == 442)
  }

  @Test(arguments: [
    (["--length", "0"], "length"),
    (["--length", "8", "--steps", "0"], "steps"),
    (["--length", "10", "--block-length", "4"], "block"),
    (["--length", "16", "--steps", "6", "--block-length", "4"], "steps"),
    (["--strategy", "telepathy"], "telepathy"),
    (["--strategy", "threshold", "--threshold", "1.5"], "threshold"),
    // Issue 15 defects: each printed "Missing value", ran silently or was ignored before.
    (["--length", "-1"], "--length: must be at least 1, got -1"),
    (["--temperature", "-0.5"], "--temperature"),
    (["--steps", "100", "--length", "8"], "--steps: 100 steps"),
    (["--system", "be brief"], "--system needs --chat"),
    (["--threshold", "0.5"], "does not apply to strategy confidence"),
  ])
  func impossibleSettingsAreOneLineErrors(flags: [String], message: String) throws {
    let result = try UnmaskTool.run(
      ["generate", "--model", Fixtures.model("tiny-llada"), "--prompt", "x"] + flags)
    #expect(result.status != 0)
    #expect(result.stderr.lowercased().contains(message), "\(result.stderr)")
    // The first line names the problem. An unknown choice is followed by argument-parser's list
    // of valid ones and a usage hint; every other error is that one line alone.
    let lines = result.stderr.split(separator: "\n").filter {
      !$0.hasPrefix("Usage") && !$0.contains("--help") && !$0.isEmpty
    }
    #expect(lines.first?.lowercased().contains(message) == true, "\(result.stderr)")
    if !result.stderr.contains("Please provide one of the following") {
      #expect(lines.count == 1, "\(result.stderr)")
    }
  }

  /// Issue 15, defect 9: a canvas longer than the model's context is refused at once.
  @Test func aCanvasBeyondTheContextIsRefused() throws {
    let ids = Array(repeating: "5", count: 4095).joined(separator: ",")
    let result = try UnmaskTool.run(
      [
        "generate", "--model", Fixtures.model("tiny-llada"), "--prompt-tokens", ids, "--length",
        "8",
        "--steps", "8",
      ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("4103") && result.stderr.contains("4096"), "\(result.stderr)")
  }

  /// Issue 15, defect 14: `--json` with a bare `--trace` reports where the trace went.
  /// `--numerics` picks the kernel path, and the report and the trace say which numerics and
  /// path ran; `--numerics` with `--kernel` is refused in one line.
  @Test func numericsAreChosenAndRecorded() throws {
    let folder = Fixtures.temporary("trace-numerics")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for numerics in Numerics.allCases {
      let report = try generateJSON(
        ["--length", "8", "--steps", "4", "--numerics", numerics.rawValue, "--trace", folder])
      #expect(report["numerics"] as? String == numerics.rawValue)
      #expect(report["kernel"] as? String == numerics.kernelPath.rawValue)
      let run = try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: folder + "/run.json")))
      let extra = try #require((run as? [String: Any])?["extra"] as? [String: Any])
      #expect(extra["numerics"] as? String == numerics.rawValue)
      #expect(extra["kernel"] as? String == numerics.kernelPath.rawValue)
      try? FileManager.default.removeItem(atPath: folder)
    }
    let result = try UnmaskTool.run(
      [
        "generate", "--model", Fixtures.model("tiny-llada"), "--prompt", "x", "--numerics", "fast",
        "--kernel", "scalar",
      ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("--numerics and --kernel"), "\(result.stderr)")
  }

  /// `--resident compressed` runs a lossless `.umk` with its linear weights kept compressed:
  /// the same tokens as decoded, and the report and the trace say which ran.
  @Test func residencyIsChosenAndRecorded() throws {
    let folder = Fixtures.temporary("resident")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let umk = folder + "/tiny-llada.umk"
    let converted = try UnmaskTool.run(["convert", Fixtures.model("tiny-llada"), umk])
    #expect(converted.status == 0, "\(converted.stderr)")
    let result = try UnmaskTool.run(
      [
        "generate", "--model", umk, "--prompt", "The quick brown fox", "--json", "--length", "12",
        "--steps", "6", "--trace", folder + "/trace", "--resident", "compressed",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let kept = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(kept["resident"] as? String == "compressed")
    let run = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: folder + "/trace/run.json")))
    let extra = try #require((run as? [String: Any])?["extra"] as? [String: Any])
    #expect(extra["resident"] as? String == "compressed")
    let decoded = try generateJSON(["--length", "12", "--steps", "6", "--resident", "decoded"])
    #expect(decoded["resident"] as? String == "decoded")
    #expect(kept["tokens"] as? [Int] == decoded["tokens"] as? [Int])

    let bad = try UnmaskTool.run(
      ["generate", "--model", umk, "--prompt", "x", "--resident", "sideways"])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--resident"), "\(bad.stderr)")
  }

  @Test func jsonReportsTheTraceFolder() throws {
    let folder = Fixtures.temporary("trace")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let report = try generateJSON(["--length", "8", "--steps", "4", "--trace", folder])
    #expect(report["trace"] as? String == folder)
  }

  /// A mixture-of-experts model's trace records the expert load per step (tokens per expert
  /// per MoE layer) and draws it; the default preset of LLaDA2 is its generate()'s.
  @Test func moeTraceRecordsExpertLoad() throws {
    let folder = Fixtures.temporary("trace-moe")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let report = try generateJSON(
      ["--length", "12", "--block-length", "4", "--steps", "4", "--trace", folder],
      model: "tiny-llada2")
    let settings = try #require(report["settings"] as? [String: Any])
    #expect(settings["block_layout"] as? String == "canvas-grid")
    #expect(settings["cache"] as? String == "exact")
    // The exact cache's saving, in positions and in GFLOP at the model's cost per position.
    let computed = try #require(report["positions_computed"] as? Int)
    let without = try #require(report["positions_without_cache"] as? Int)
    let gflop = try #require(report["gflop_computed"] as? Double)
    let gflopWithout = try #require(report["gflop_without_cache"] as? Double)
    #expect(computed < without && gflop > 0 && gflop < gflopWithout)
    #expect(abs(gflop / gflopWithout - Double(computed) / Double(without)) < 1e-9)
    let file = folder + "/expert_load.npy"
    let load = try NumPyFile.readFloat32(
      try Data(contentsOf: URL(fileURLWithPath: file)), source: file)
    let steps = try #require(report["steps"] as? Int)
    #expect(load.shape.count == 2 && load.shape[0] == steps && load.shape[1] > 0)
    // Every step's pass routes some tokens, top-k experts each, in every MoE layer.
    let columns = load.shape[1]
    for row in 0..<steps {
      #expect(load.values[(row * columns)..<((row + 1) * columns)].reduce(0, +) > 0)
    }
    #expect(FileManager.default.fileExists(atPath: folder + "/expert_load.png"))
    // The trace says how --steps counted: per block under LLaDA2's preset.
    let run = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: folder + "/run.json")))
    let extra = try #require((run as? [String: Any])?["extra"] as? [String: Any])
    #expect(extra["steps_count"] as? String == "per block")
  }

  /// `--end-ids` adds ids that end a run as EOS does: recorded in the settings, and
  /// `--stop-at-eos` cuts the text at the first of them.
  @Test func endIDsEndTheTextLikeEOS() throws {
    let flags = ["--length", "16", "--steps", "16", "--stop-at-eos"]
    let plain = try generateJSON(flags, model: "tiny-llada")
    let tokens = try #require(plain["tokens"] as? [Int])
    let first = try #require(tokens.first)
    let cut = try generateJSON(flags + ["--end-ids", "\(first),9"], model: "tiny-llada")
    let settings = try #require(cut["settings"] as? [String: Any])
    #expect(settings["more_end_ids"] as? [Int] == [first, 9])
    #expect(cut["tokens"] as? [Int] == [])
    #expect(cut["canvas"] as? [Int] == plain["canvas"] as? [Int])
  }

  /// Token editing (LLaDA2.1) rewrites committed positions; the trace records each edit, so
  /// the canvas can be rebuilt from trace.jsonl alone: every step's commits, then its edits.
  @Test func editsAreInTheTraceAndRebuildTheCanvas() throws {
    let folder = Fixtures.temporary("trace-edits")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let report = try generateJSON(
      ["--preset", "llada2.1", "--length", "16", "--editing-threshold", "0", "--trace", folder],
      model: "tiny-llada2")
    let canvas = try #require(report["canvas"] as? [Int])
    let prompt = try #require(report["prompt_tokens"] as? [Int])
    var rebuilt = prompt + [Int](repeating: -1, count: canvas.count - prompt.count)
    var edits = 0
    let lines = try String(contentsOfFile: folder + "/trace.jsonl", encoding: .utf8)
      .split(separator: "\n")
    for line in lines {
      let step = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      for key in ["committed", "edited"] {
        for change in step[key] as? [[String: Any]] ?? [] {
          rebuilt[try #require(change["pos"] as? Int)] = try #require(change["token"] as? Int)
          if key == "edited" { edits += 1 }
        }
      }
    }
    #expect(edits > 0)
    #expect(rebuilt == canvas)
  }

  /// The trace also records which experts each position chose at each step, and those choices
  /// add up to the step's expert load: a LLaDA-MoE step is one pass over the whole canvas, so
  /// every position is routed in every layer but the last (which routes the rows read alone).
  @Test func moeTraceRecordsEachPositionsExperts() throws {
    let folder = Fixtures.temporary("trace-moe-choice")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let report = try generateJSON(
      ["--length", "8", "--steps", "4", "--trace", folder], model: "tiny-llada-moe")
    let steps = try #require(report["steps"] as? Int)
    let canvas = try #require(report["prompt_tokens"] as? [Int]).count + 8
    func read(_ name: String) throws -> (shape: [Int], values: [Float]) {
      let file = folder + "/\(name).npy"
      return try NumPyFile.readFloat32(
        try Data(contentsOf: URL(fileURLWithPath: file)), source: file)
    }
    let load = try read("expert_load")
    let choice = try read("expert_choice")
    let (layers, experts, k) = (2, 8, 2)  // tiny-llada-moe's config
    #expect(load.shape == [steps, layers * experts])
    #expect(choice.shape == [steps, layers * canvas * k])
    for step in 0..<steps {
      let row = Array(
        choice.values[(step * layers * canvas * k)..<((step + 1) * layers * canvas * k)])
      for layer in 0..<layers {
        var counts = [Float](repeating: 0, count: experts)
        for position in 0..<canvas {
          let picks = row[((layer * canvas + position) * k)..<((layer * canvas + position + 1) * k)]
          if layer < layers - 1 { #expect(picks.allSatisfy { !$0.isNaN }) }
          if picks.allSatisfy(\.isNaN) { continue }
          #expect(Set(picks).count == k && picks.allSatisfy { $0 >= 0 && $0 < Float(experts) })
          for e in picks { counts[Int(e)] += 1 }
        }
        let stepLoad = load.values[(step * layers * experts + layer * experts)...].prefix(experts)
        #expect(counts == Array(stepLoad), "step \(step) layer \(layer)")
      }
    }
    #expect(FileManager.default.fileExists(atPath: folder + "/expert_position_load.png"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/expert_choice.png"))
  }

  /// Without --preset a Dream model runs Dream's numerics (it used to get LLaDA's).
  @Test func dreamModelsGetTheDreamPresetByDefault() throws {
    let report = try generateJSON(["--length", "8", "--steps", "4"], model: "tiny-dream")
    let settings = try #require(report["settings"] as? [String: Any])
    #expect(settings["proposal"] as? String == "dream")
    #expect(settings["top_k"] as? Int == 50)
  }
}

/// Issue 15, defect 10: a prompt that is not UTF-8 is refused, not turned into U+FFFD.
@Test func nonUTF8ArgumentsAreRefused() throws {
  let tool = try #require(UnmaskTool.executable)
  // Process takes Swift strings, so invalid bytes go through /bin/sh's printf.
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = [
    "-c", "\"$0\" generate --model \"$1\" --prompt \"$(printf 'caf\\351')\" --length 4 --steps 4",
    tool.path, Fixtures.model("tiny-llada"),
  ]
  let err = Pipe()
  process.standardError = err
  process.standardOutput = Pipe()
  try process.run()
  let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  #expect(process.terminationStatus != 0)
  #expect(stderr.contains("not valid UTF-8"), "\(stderr)")
}

/// Issue 15, defect 3: detokenize names an id outside the vocabulary instead of dropping it.
@Test func detokenizeRefusesUnknownIds() throws {
  let result = try UnmaskTool.run(
    ["detokenize", "--model", Fixtures.model("tiny-llada")], stdin: "[5, 99999]\n")
  #expect(result.status != 0)
  #expect(result.stderr.contains("99999"), "\(result.stderr)")
  #expect(result.stdout.isEmpty)
}
