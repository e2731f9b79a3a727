import Foundation
import Testing
import Unmask

/// MDLM's, ReMDM's and BD3-LM's samplers replayed against their reference code
/// (scripts/fixtures/make_kuleshov_sampler_goldens.py): each golden run's recorded uniform
/// draws go back in through `--replay-draws`, with the run's settings over `--preset mdlm` or
/// `bd3lm` on the fixture, and the final canvas must equal the reference's token for token.
@Suite struct KuleshovReplayGoldenTests {
  struct Golden: Decodable {
    struct Run: Decodable {
      var name: String
      var fixture: String
      var preset: String
      var reference: String
      var settings: [String: JSONValue]
      var prompt_tokens: [Int32]
      var tokens: [Int32]
      var draws_file: String
      var draws_shape: [Int]
    }
    var mask_id: Int32
    var runs: [Run]
  }

  static func load() throws -> Golden {
    let url = Fixtures.root.appendingPathComponent("golden/kuleshov-samplers.json")
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }

  /// The runs' names (empty if the file cannot be read: `theGoldensCoverEverySampler` fails).
  static let names = (try? load())?.runs.map(\.name) ?? []

  static func draws(_ run: Golden.Run) -> String {
    Fixtures.root.appendingPathComponent("golden/\(run.draws_file)").path
  }

  /// The session's settings for `run`, replaying its draws.
  static func settings(_ run: Golden.Run, session: ModelSession) throws -> DenoisingSettings {
    var overrides = run.settings
    overrides["replay_draws"] = .string(draws(run))
    return try session.settings(
      preset: try #require(PresetName(rawValue: run.preset)), overrides: overrides)
  }

  @Test(arguments: names)
  func replayEqualsTheReference(name: String) throws {
    let run = try #require(try Self.load().runs.first { $0.name == name })
    let session = try ModelSession.open(Fixtures.model(run.fixture))
    let settings = try Self.settings(run, session: session)
    #expect(settings.sampler != .remasking)
    let generation = try session.generate(prompt: run.prompt_tokens, settings: settings)
    #expect(generation.result.canvas == run.tokens, "\(run.name): \(run.reference)")
  }

  /// Every kind of run the issue asks for is in the goldens.
  @Test func theGoldensCoverEverySampler() throws {
    let names = Set(try Self.load().runs.map(\.name))
    for needed in [
      "mdlm-ddpm", "mdlm-ddpm-cache", "mdlm-ddpm-cache-notime", "remdm-cap",
      "remdm-rescale-nucleus",
      "remdm-conf", "remdm-loop", "remdm-mdlm-nucleus", "bd3lm-first-hitting",
      "bd3lm-first-hitting-kv-nucleus", "bd3lm-grid", "bd3lm-grid-kv-short",
      "mdlm-semi-ar-first-hitting", "mdlm-semi-ar-grid", "mdlm-analytic",
      "mdlm-analytic-no-noise-removal", "remdm-forward-backward", "remdm-dfm", "remdm-dfm-time",
      "mdlm-strides", "mdlm-strides-time",
    ] {
      #expect(names.contains(needed), "\(needed)")
    }
  }

  /// The command line replays too, and `--json` records the recording and every sampler
  /// setting.
  @Test func generateReplaysFromTheCommandLine() throws {
    let run = try #require(try Self.load().runs.first { $0.name == "mdlm-ddpm" })
    var arguments = [
      "generate", "--model", Fixtures.model(run.fixture), "--prompt-tokens",
      run.prompt_tokens.map(String.init).joined(separator: ","),
      "--preset", "mdlm", "--replay-draws", Self.draws(run), "--json",
    ]
    for (key, value) in run.settings.sorted(by: { $0.key < $1.key }) {
      let flag = "--" + key.replacingOccurrences(of: "_", with: "-")
      switch value {
      case .bool(let b): arguments.append(b ? flag : "--no-" + flag.dropFirst(2))
      case .string(let s): arguments += [flag, s]
      case .integer(let i): arguments += [flag, "\(i)"]
      case .number(let d): arguments += [flag, "\(d)"]
      default: Issue.record("unexpected setting \(key)")
      }
    }
    let result = try UnmaskTool.run(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    let report = try #require(JSONValue.parse(Data(result.stdout.utf8)))
    #expect(report["canvas"]?.integerArray?.map(Int32.init) == run.tokens)
    #expect(report["settings"]?["replay_draws"]?.stringValue == Self.draws(run))
    #expect(report["settings"]?["sampler"]?.stringValue == "ddpm")
    #expect(report["settings"]?["steps"]?.intValue == 10)
  }

  /// A recording that does not fit the run is a one-line error naming the file.
  @Test func aRecordingOfAnotherRunIsRefused() throws {
    let mdlm = try #require(try Self.load().runs.first { $0.name == "mdlm-ddpm" })
    let session = try ModelSession.open(Fixtures.model(mdlm.fixture))
    // Another canvas length: the recorded calls hold [L, V] for the recorded L.
    var settings = try Self.settings(mdlm, session: session)
    settings.length += 1
    let shape = #expect(throws: SamplingError.self) {
      _ = try session.generate(prompt: mdlm.prompt_tokens, settings: settings)
    }
    #expect("\(shape!)".contains(mdlm.draws_file) && "\(shape!)".contains("each recorded call"))
    // More steps than recorded.
    settings = try Self.settings(mdlm, session: session)
    settings.steps += 1
    let out = #expect(throws: SamplingError.self) {
      _ = try session.generate(prompt: mdlm.prompt_tokens, settings: settings)
    }
    #expect("\(out!)".contains("ran out"))
    // Fewer steps: draws left over.
    settings.steps -= 2
    let left = #expect(throws: SamplingError.self) {
      _ = try session.generate(prompt: mdlm.prompt_tokens, settings: settings)
    }
    #expect("\(left!)".contains("were not used"))
    // MDLM's float32 draws for ReMDM, which draws float64.
    settings = try Self.settings(mdlm, session: session)
    settings = try settings.applying([
      "sampler": .string("ddpm-cache"), "strategy": .string("remdm"),
    ])
    let precision = #expect(throws: SamplingError.self) {
      _ = try session.generate(prompt: mdlm.prompt_tokens, settings: settings)
    }
    #expect("\(precision!)".contains("holds float32 draws; this sampler draws float64"))
  }
}
