import Foundation
import Testing
import Unmask
import UnmaskTestSupport

/// `--preset mdlm` and `--preset bd3lm` resolve by architecture: the Kuleshov group's samplers
/// on MDLM and BD3-LM checkpoints, dllm's on its a2d models; and the settings those samplers
/// cannot run are one-line errors.
@Suite struct KuleshovPresetTests {
  static func session(_ fixture: String) throws -> ModelSession {
    try ModelSession.open(Fixtures.model(fixture))
  }

  @Test func presetsResolveByArchitecture() throws {
    let mdlm = try Self.session("tiny-mdlm")
    #expect(mdlm.defaultPreset == .mdlm)
    let s = mdlm.settings()
    #expect(s.sampler == .ddpmCache && s.strategy.name == .origin && s.steps == 128)
    #expect(s.maskID == 199 && s.schedule.name == .logLinear && s.samplingEps == 1e-5)
    let bd3lm = try Self.session("tiny-bd3lm")
    #expect(bd3lm.defaultPreset == .bd3lm)
    let b = bd3lm.settings()
    #expect(b.sampler == .semiAR && b.blockLength == 4 && b.cache == .exact && b.topP == 0.9)
    #expect(b.firstHitting)
    // The same names on dllm's a2d model are dllm's samplers.
    let a2d = try Self.session("tiny-a2d-qwen3")
    #expect(a2d.settings(preset: .mdlm) == DenoisingSettings.preset(.mdlm).withIDs(of: a2d))
    #expect(a2d.settings(preset: .bd3lm).sampler == .remasking)
    // --length alone keeps MDLM's 128 steps (the remasking presets shorten theirs).
    #expect(try mdlm.settings(preset: nil, overrides: ["length": .integer(8)]).steps == 128)
    // Another reference's preset on an MDLM checkpoint runs the remasking loop.
    #expect(mdlm.settings(preset: .llada).sampler == .remasking)
  }

  @Test(arguments: [
    (
      "tiny-mdlm", ["sampler": JSONValue.string("semi-ar"), "cache": .string("exact")],
      "block-causal model"
    ),
    ("tiny-mdlm", ["var_length": .bool(true)], "semi-ar stopping rule"),
    ("tiny-bd3lm", ["var_length": .bool(true)], "names none"),
    ("tiny-mdlm", ["sampler": .string("semi-ar"), "length": .integer(40)], "strides of 512"),
    ("tiny-bd3lm", ["block_length": .integer(8)], "block_size 4"),
    ("tiny-mdlm", ["schedule": .string("mdlm-cosine")], "use --sampler ddpm"),
    ("tiny-mdlm", ["sampler": .string("ddpm"), "top_p": .number(0.9)], "no nucleus"),
    ("tiny-mdlm", ["sampler": .string("analytic"), "top_p": .number(0.9)], "_analytic_update"),
    ("tiny-mdlm", ["dfm": .bool(true)], "needs --top-p below 1"),
    ("tiny-mdlm", ["stride_length": .integer(4)], "the canvas must hold 32 + 4k tokens, not 9"),
    (
      "tiny-mdlm", ["stride_length": .integer(4), "sampler": .string("ddpm")], "semi-autoregressive"
    ),
    ("tiny-mdlm", ["dfm": .bool(true), "sampler": .string("ddpm")], "corrector for --sampler"),
    ("tiny-mdlm", ["sampler": .string("analytic"), "strategy": .string("remdm")], "ddpm-cache"),
    ("tiny-mdlm", ["strategy": .string("confidence")], "remasking-loop strategy"),
    ("tiny-mdlm", ["sampler": .string("ddpm"), "strategy": .string("remdm")], "ddpm-cache"),
    ("tiny-mdlm", ["temperature": .number(0.5)], "draws from p_x0 itself"),
    ("tiny-mdlm", ["sampler": .string("ddpm"), "schedule": .string("cosine")], "MDLM's noise"),
    ("tiny-mdlm", ["cache": .string("exact")], "does not apply"),
  ])
  func impossibleSettingsAreOneLineErrors(
    fixture: String, overrides: [String: JSONValue], message: String
  ) throws {
    let session = try Self.session(fixture)
    let error = #expect(throws: SamplingError.self) {
      let settings = try session.settings(
        preset: nil, overrides: overrides.merging(["length": .integer(8)]) { a, _ in a })
      _ = try session.generate(prompt: [5], settings: settings)
    }
    let text = "\(error.map { "\($0)" } ?? "")"
    #expect(text.contains(message), "\(text)")
    #expect(!text.contains("\n"))
  }

  /// `--var-length` reaches the settings from the command line (tiny-bd3lm has no tokenizer,
  /// so no EOS to end at: refused in one line naming the flag), and `--sampler semi-ar` runs
  /// bd3lms' MDLM branch on an MDLM checkpoint.
  @Test func semiARFlagsFromTheCommandLine() throws {
    let refused = try UnmaskTool.run([
      "generate", "--model", Fixtures.model("tiny-bd3lm"), "--prompt-tokens", "5", "--length", "8",
      "--var-length",
    ])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--var-length") && refused.stderr.contains("names none"))
    let mdlm = try UnmaskTool.run([
      "generate", "--model", Fixtures.model("tiny-mdlm"), "--prompt-tokens", "5", "--length", "8",
      "--sampler", "semi-ar", "--seed", "3", "--json",
    ])
    #expect(mdlm.status == 0, "\(mdlm.stderr)")
    let report = try #require(JSONValue.parse(Data(mdlm.stdout.utf8)))
    #expect(report["settings"]?["sampler"]?.stringValue == "semi-ar")
    #expect(report["settings"]?["var_length"] == .bool(false))
    // First-hitting: one pass per generated position.
    #expect(report["forward_passes"]?.intValue == 8)
    #expect(report["canvas"]?.integerArray?.contains(199) == false)
  }

  /// BD3-LM past `model_length`. Its cache keeps the last `model_length` positions, so a
  /// cached run samples any canvas; without it a pass reads the last 1024 positions up to its
  /// block's end, which only a checkpoint of `model_length` 1024 holds. (The windows:
  /// SemiARTests; the tokens were checked against the reference outside the suite.)
  @Test func bd3lmSamplesPastItsLength() throws {
    let folder = try ScratchFolder.make("bd3lm-1024")
    let source = URL(fileURLWithPath: Fixtures.model("tiny-bd3lm"))
    try FileManager.default.copyItem(
      at: source.appendingPathComponent("model.safetensors"),
      to: folder.appendingPathComponent("model.safetensors"))
    let config = try String(
      contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
    try config.replacingOccurrences(of: "\"model_length\": 32", with: "\"model_length\": 1024")
      .write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    for (path, context) in [(folder.path, 1024), (Fixtures.model("tiny-bd3lm"), 32)] {
      let session = try ModelSession.open(path)
      #expect(session.contextLength == context)
      var settings = try session.settings(preset: nil, overrides: ["length": .integer(1031)])
      #expect(settings.cache == .exact)
      try session.checkCanvas(promptLength: 1, settings: settings)
      settings.cache = .none
      if context == 1024 {
        try session.checkCanvas(promptLength: 1, settings: settings)
      } else {
        let error = #expect(throws: (any Error).self) {
          try session.checkCanvas(promptLength: 1, settings: settings)
        }
        #expect("\(error!)".contains("exceeds the model's context of 32"))
      }
    }
    // A cached run past tiny-bd3lm's 32 positions: every block read against the last 32.
    let session = try ModelSession.open(Fixtures.model("tiny-bd3lm"))
    let settings = try session.settings(
      preset: nil, overrides: ["length": .integer(47), "top_p": .number(1)])
    let generation = try session.generate(prompt: [5], settings: settings)
    #expect(generation.result.canvas.count == 48 && !generation.result.canvas.contains(199))
  }

  /// tiny-bd3lm with σ zeroed: a model that ignores σ.
  final class IgnoringNoiseLevel: MaskPredictor {
    let inner: any MaskedDiffusionModel
    init(_ inner: any MaskedDiffusionModel) { self.inner = inner }
    var vocabularySize: Int { inner.vocabularySize }
    var attentionMask: AttentionMask { inner.attentionMask }
    func makeKVCache(positions: Int) -> KVCache? { inner.makeKVCache(positions: positions) }
    func logits(for request: ForwardRequest) throws -> [Matrix] {
      var zeroed = request
      for i in zeroed.canvases.indices { zeroed.canvases[i].sigma = 0 }
      return try inner.logits(for: zeroed)
    }
  }

  /// BD3-LM's key/value cache changes no token when σ does not condition the network (the
  /// published checkpoints); with a time-conditioned one its cached blocks keep their own σ,
  /// as in the reference (the goldens replay both).
  @Test(arguments: [true, false])
  func theCacheChangesNoTokenOnAModelThatIgnoresSigma(firstHitting: Bool) throws {
    let session = try Self.session("tiny-bd3lm")
    let model = IgnoringNoiseLevel(session.model)
    for seed: UInt64 in [1, 2, 3] {
      var canvases: [[Int32]] = []
      for cache in ["exact", "none"] {
        let settings = try session.settings(
          preset: .bd3lm,
          overrides: [
            "length": .integer(23), "seed": .integer(Int(seed)), "cache": .string(cache),
            "first_hitting": .bool(firstHitting), "steps": .integer(firstHitting ? 5000 : 5),
          ])
        canvases.append(try Denoiser(model: model, settings: settings).generate(prompt: [7]).canvas)
      }
      #expect(canvases[0] == canvases[1], "seed \(seed)")
      #expect(canvases[0].count == 24)
    }
  }

  /// The references have no prompt (ReMDM would remask one); Unmask keeps prompt tokens.
  @Test func remdmNeverRemasksThePrompt() throws {
    let session = try Self.session("tiny-mdlm-notime")
    let prompt: [Int32] = [5, 6, 7, 8]
    for schedule in ["cap", "rescale", "conf", "loop"] {
      let settings = try session.settings(
        preset: .mdlm,
        overrides: [
          "strategy": .string("remdm"), "remdm_schedule": .string(schedule), "eta": .number(1),
          "length": .integer(12), "steps": .integer(24), "seed": .integer(3),
        ])
      let canvas = try session.generate(prompt: prompt, settings: settings).result.canvas
      #expect(Array(canvas.prefix(4)) == prompt, "\(schedule)")
      #expect(!canvas.contains(199), "\(schedule)")
    }
  }

  /// Another schedule than the published checkpoints' is allowed, with a warning.
  @Test func anotherScheduleIsAWarning() throws {
    let result = try UnmaskTool.run([
      "generate", "--model", Fixtures.model("tiny-mdlm"), "--prompt-tokens", "5", "--length", "4",
      "--sampler", "ddpm", "--schedule", "mdlm-cosine", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("warning:") && result.stderr.contains("log-linear"))
    let session = try Self.session("tiny-mdlm")
    #expect(session.warnings(for: session.settings()).isEmpty)
  }

  @Test func aMissingRecordingIsAOneLineCommandError() throws {
    let result = try UnmaskTool.run([
      "generate", "--model", Fixtures.model("tiny-mdlm"), "--prompt-tokens", "5",
      "--length", "4", "--replay-draws", "/nonexistent/draws.npy",
    ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("/nonexistent/draws.npy: cannot be read"), "\(result.stderr)")
    #expect(result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
  }
}

extension DenoisingSettings {
  /// These settings with `session`'s special ids, as `ModelSession.settings` gives them.
  fileprivate func withIDs(of session: ModelSession) -> DenoisingSettings {
    var s = self
    s.maskID = session.specialTokens.mask
    s.eosID = session.specialTokens.eos
    s.eotID = session.specialTokens.eot
    s.padID = session.specialTokens.pad ?? s.padID
    return s
  }
}
