import Foundation
import Testing
import Unmask

/// DiffusionGemma's sampler replayed against transformers 5.23's `generate()`
/// (scripts/fixtures/make_diffusiongemma_fixtures.py): each golden run's random canvases go
/// back in through `--noise-rows` (`noise_rows`), tokens are drawn greedily (`--temperature 0`,
/// the golden's `torch.multinomial` patched to argmax), and the output, prompt plus whole
/// canvases with pad after an EOS, must equal the reference's token for token, with the same
/// decoder passes per canvas.
@Suite struct DiffusionGemmaReplayGoldenTests {
  struct Golden: Decodable {
    struct Run: Decodable {
      struct Settings: Decodable {
        var max_new_tokens: Int
        var max_denoising_steps: Int
        var entropy_bound: Double
        var t_min: Double
        var t_max: Double
        var stability_threshold: Int
        var confidence_threshold: Double
        var eos_token_id: Int
        var pad_token_id: Int
      }
      var name: String
      var fixture: String
      var settings: Settings
      var input_ids: [Int32]
      var noise_file: String
      var rows_used: Int
      var sequences: [Int32]
      var decoder_passes: [Int]
      var ended_by_eos: Bool
    }
    var cases: [Run]
  }

  static func load() throws -> Golden {
    let url = Fixtures.root.appendingPathComponent("golden/diffusiongemma-generate.json")
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }

  static let names = (try? load())?.cases.map(\.name) ?? []

  /// The run's settings as flags would give them, over `--preset diffusiongemma`.
  static func settings(_ run: Golden.Run, session: ModelSession) throws -> DenoisingSettings {
    let s = run.settings
    return try session.settings(
      preset: .diffusiongemma,
      overrides: [
        "length": .integer(s.max_new_tokens), "steps": .integer(s.max_denoising_steps),
        "entropy_bound": .number(s.entropy_bound), "t_min": .number(s.t_min),
        "t_max": .number(s.t_max), "stability_threshold": .integer(s.stability_threshold),
        "confidence_threshold": .number(s.confidence_threshold),
        "eos_id": .integer(s.eos_token_id), "pad_id": .integer(s.pad_token_id),
        "temperature": .number(0),
        "noise_rows": .string(
          Fixtures.root.appendingPathComponent("golden/\(run.noise_file)").path),
      ])
  }

  /// Counts each canvas's decoder passes from the step events.
  final class PassCounter: DenoisingObserver {
    var passes: [Int] = []
    func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
      if step.block >= passes.count { passes.append(0) }
      passes[step.block] += 1
      return .proceed
    }
  }

  @Test(arguments: names)
  func replayEqualsTheReference(name: String) throws {
    let run = try #require(try Self.load().cases.first { $0.name == name })
    let session = try ModelSession.open(Fixtures.model(run.fixture))
    let settings = try Self.settings(run, session: session)
    #expect(settings.sampler == .uniformState)
    let counter = PassCounter()
    let generation = try session.generate(
      prompt: run.input_ids, settings: settings, observers: [counter])
    #expect(generation.result.canvas == run.sequences, "\(run.name)")
    #expect(counter.passes == run.decoder_passes, "\(run.name)")
    #expect(generation.result.forwardPasses == run.decoder_passes.reduce(0, +))
  }

  /// The checkpoint's generation_config.json is the preset's default, as the reference reads it.
  @Test func theCheckpointsGenerationConfigSetsTheDefaults() throws {
    let variant = try ModelSession.open(Fixtures.model("tiny-diffusiongemma-variant"))
    #expect(variant.defaultPreset == .diffusiongemma)
    let settings = variant.settings()
    #expect(settings.sampler == .uniformState)
    #expect(settings.steps == 12)
    #expect(settings.entropyBound == 0.5)
    #expect(settings.temperatureMax == 1.0)
    #expect(settings.temperatureMin == 0.3)
    #expect(settings.stabilityThreshold == 2)
    #expect(settings.confidenceThreshold == 0.05)
    let main = try ModelSession.open(Fixtures.model("tiny-diffusiongemma")).settings()
    #expect(main.steps == 48 && main.entropyBound == 0.1 && main.temperatureMax == 0.8)
  }

  /// The reference ends a run on the generation config's `eos_token_id` only, every id of a
  /// list, and on none when it names none (not config.json's, not the tokenizer's end of turn).
  @Test func theGenerationConfigAloneNamesTheEndIDs() throws {
    let session = try ModelSession.open(Fixtures.model("tiny-diffusiongemma"))
    var settings = session.settings()
    #expect(settings.endIDs == [1] && settings.padID == 0)
    settings.applyGenerationConfig(
      .object([("eos_token_id", .array([.integer(440), .integer(441), .integer(260)]))]))
    #expect(settings.endIDs == [440, 441, 260])
    #expect(settings.padID == nil)
    settings.applyGenerationConfig(.object([]))
    #expect(settings.endIDs.isEmpty)
    // The settings carry every end id into traces and back.
    settings.moreEndIDs = [260, 7]
    let read = try DenoisingSettings(object: settings.jsonObject)
    #expect(read.moreEndIDs == [260, 7])
  }

  /// Strategies that rank masked positions have no meaning without masks; the masked-diffusion
  /// presets are refused on a uniform-state model, and the uniform-state preset on a masked one.
  @Test func inapplicableStrategiesAndPresetsAreRefused() throws {
    let session = try ModelSession.open(Fixtures.model("tiny-diffusiongemma"))
    #expect(throws: (any Error).self) {
      try session.settings(preset: .diffusiongemma, overrides: ["strategy": .string("random")])
    }
    let margin = try session.settings(
      preset: .diffusiongemma, overrides: ["strategy": .string("margin"), "length": .integer(16)])
    _ = try session.generate(prompt: [2, 5, 6], settings: margin)
    #expect(throws: (any Error).self) {
      try session.generate(prompt: [2, 5], settings: session.settings(preset: .llada))
    }
    let llada = try ModelSession.open(Fixtures.model("tiny-llada"))
    #expect(throws: (any Error).self) {
      try llada.generate(prompt: [5], settings: llada.settings(preset: .diffusiongemma))
    }
  }

  /// Under Unmask's own generator a seed reproduces a run, and different seeds differ.
  @Test func aSeedReproducesARun() throws {
    let session = try ModelSession.open(Fixtures.model("tiny-diffusiongemma"))
    func run(_ seed: Int) throws -> [Int32] {
      let settings = try session.settings(
        preset: .diffusiongemma, overrides: ["seed": .integer(seed), "length": .integer(32)])
      return try session.generate(prompt: [2, 40, 41], settings: settings).result.canvas
    }
    #expect(try run(7) == run(7))
    #expect(try run(7) != run(8))
  }

  /// The command line, flag for flag as the issue names them: `--preset diffusiongemma
  /// --length --max-steps --entropy-bound --t-max --t-min --stability-threshold
  /// --confidence-threshold --noise-rows --temperature 0` reproduces a golden run.
  @Test func theCommandLineReplaysAGolden() throws {
    let run = try #require(try Self.load().cases.first { $0.name == "main-three-canvases" })
    let s = run.settings
    let result = try UnmaskTool.run([
      "generate", "--model", Fixtures.model(run.fixture), "--preset", "diffusiongemma",
      "--prompt-tokens", run.input_ids.map(String.init).joined(separator: ","),
      "--length", "\(s.max_new_tokens)", "--max-steps", "\(s.max_denoising_steps)",
      "--entropy-bound", "\(s.entropy_bound)", "--t-max", "\(s.t_max)", "--t-min", "\(s.t_min)",
      "--stability-threshold", "\(s.stability_threshold)",
      "--confidence-threshold", "\(s.confidence_threshold)", "--temperature", "0",
      "--noise-rows", Fixtures.root.appendingPathComponent("golden/\(run.noise_file)").path,
      "--json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(JSONValue.parse(Data(result.stdout.utf8)))
    #expect(object["canvas"]?.arrayValue?.compactMap(\.intValue) == run.sequences.map(Int.init))
    #expect(object["forward_passes"]?.intValue == run.decoder_passes.reduce(0, +))
  }

  /// `unmask logits --prompt-tokens P --tokens CANVAS [--self-conditioning PREV.npy]` writes the
  /// decoder's logits; a masked-diffusion model refuses --prompt-tokens, and DiffusionGemma
  /// refuses a plain canvas.
  @Test func theLogitsCommandDecodesAfterThePrompt() throws {
    let out = Fixtures.temporary("dg-logits.npy")
    let canvas = (20..<36).map(String.init).joined(separator: ",")
    let plain = try UnmaskTool.run([
      "logits", "--model", Fixtures.model("tiny-diffusiongemma"), "--prompt-tokens", "2,5,6",
      "--tokens", canvas, "--out", out,
    ])
    #expect(plain.status == 0, "\(plain.stderr)")
    let logits = try NumPyFile.readFloat32(
      Data(contentsOf: URL(fileURLWithPath: out)), source: out)
    #expect(logits.shape == [16, 448])
    let conditioned = try UnmaskTool.run([
      "logits", "--model", Fixtures.model("tiny-diffusiongemma"), "--prompt-tokens", "2,5,6",
      "--tokens", canvas, "--self-conditioning", out, "--out", out + ".sc.npy",
    ])
    #expect(conditioned.status == 0, "\(conditioned.stderr)")
    let second = try NumPyFile.readFloat32(
      Data(contentsOf: URL(fileURLWithPath: out + ".sc.npy")), source: out)
    #expect(second.values != logits.values)
    let wrongShape = try UnmaskTool.run([
      "logits", "--model", Fixtures.model("tiny-diffusiongemma"), "--prompt-tokens", "2",
      "--tokens", "5,6", "--self-conditioning", out, "--out", out + ".bad.npy",
    ])
    #expect(wrongShape.status != 0)
    #expect(wrongShape.stderr.contains("expected [2, 448]"))
    let noPrompt = try UnmaskTool.run([
      "logits", "--model", Fixtures.model("tiny-diffusiongemma"), "--tokens", "5,6", "--out", out,
    ])
    #expect(noPrompt.status != 0)
    #expect(noPrompt.stderr.contains("--prompt-tokens"))
    let masked = try UnmaskTool.run([
      "logits", "--model", Fixtures.model("tiny-llada"), "--prompt-tokens", "5", "--tokens", "6",
      "--out", out,
    ])
    #expect(masked.status != 0)
  }
}
