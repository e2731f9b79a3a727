import Foundation
import Testing
import Unmask

/// The session layer: references, catalog names, special ids, presets by architecture, checks
/// on user input, and generation equal to the Denoiser's own.
@Suite("ModelSession")
struct ModelSessionTests {
  let llada = Fixtures.root.appendingPathComponent("tiny-llada").path
  let dream = Fixtures.root.appendingPathComponent("tiny-dream").path

  @Test func presetFollowsTheArchitecture() throws {
    let l = try ModelSession.open(llada)
    let d = try ModelSession.open(dream)
    #expect(l.defaultPreset == .llada)
    #expect(d.defaultPreset == .dream)
    // Dream gets Dream's numerics, with the model's own ids rather than Dream-7B's.
    let s = d.settings()
    #expect(s.proposal == .dream && s.topK == 50 && s.rounding == .truncate)
    #expect(s.maskID == d.specialTokens.mask && s.maskID == 442)
  }

  @Test func contextLengthComesFromConfig() throws {
    #expect(try ModelSession.open(llada).contextLength == 4096)
    let d = try ModelSession.open(dream)
    #expect(d.contextLength != nil)
  }

  @Test func aCanvasLongerThanTheContextIsRefusedBeforeRunning() throws {
    let session = try ModelSession.open(llada)
    var settings = session.settings()
    settings.length = 8
    settings.steps = 8
    settings.blockLength = 8
    let prompt = [Int32](repeating: 5, count: 4095)
    #expect(throws: SessionError.self) {
      try session.generate(prompt: prompt, settings: settings)
    }
    do {
      _ = try session.generate(prompt: prompt, settings: settings)
    } catch let error as SessionError {
      #expect(error.description.contains("4103") && error.description.contains("4096"))
      #expect(!error.description.contains("\n"))
    }
  }

  @Test func decodeRefusesIdsOutsideTheVocabulary() throws {
    let session = try ModelSession.open(llada)
    #expect(throws: SessionError.self) { try session.decode([1, 99_999]) }
    #expect(throws: SessionError.self) { try session.decode([-3]) }
    #expect(try session.decode([]) == "")
  }

  @Test func generationEqualsTheDenoisersOwn() throws {
    let session = try ModelSession.open(llada)
    var settings = session.settings(preset: .llada)
    settings.length = 16
    settings.steps = 8
    settings.blockLength = 8
    settings.temperature = 0.7
    settings.seed = 3
    let prompt = try session.encode("The quick brown fox")
    let generation = try session.generate(prompt: prompt, settings: settings)
    let direct = try Denoiser(model: session.model, settings: settings).generate(prompt: prompt)
    #expect(generation.tokens == direct.generated)
    #expect(generation.text == (try session.decode(direct.generated, skipSpecialTokens: true)))
  }

  @Test func catalogNamesResolveAndUnknownNamesListTheKnownOnes() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("unmask-catalog-\(UUID().uuidString)")
    let entry = root.appendingPathComponent("tiny")
    try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    for file in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
      try FileManager.default.copyItem(
        at: URL(fileURLWithPath: llada).appendingPathComponent(file),
        to: entry.appendingPathComponent(file))
    }
    try Data(#"{"task": "text", "description": "a fixture"}"#.utf8)
      .write(to: entry.appendingPathComponent("unmask.json"))
    let catalog = ModelCatalog(roots: [root])
    #expect(catalog.names == ["tiny"])
    let session = try ModelSession.open("tiny", catalog: catalog)
    #expect(session.architecture == "LLaDA")
    let entries = try catalog.entries()
    #expect(entries.count == 1 && entries[0].task == "text" && entries[0].architecture == "llada")
    #expect(entries[0].parameters == session.model.parameterCount)
    do {
      _ = try ModelSession.open("no-such-model", catalog: catalog)
      Issue.record("an unknown name opened")
    } catch let error as SessionError {
      #expect(error.description.contains("known: tiny"))
    }
  }

  @Test func huggingFaceCacheSnapshotsResolve() throws {
    let cache = FileManager.default.temporaryDirectory
      .appendingPathComponent("unmask-hf-\(UUID().uuidString)")
    let repo = cache.appendingPathComponent("models--org--tiny")
    let snapshot = repo.appendingPathComponent("snapshots/abc123")
    try FileManager.default.createDirectory(
      at: repo.appendingPathComponent("refs"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: snapshot.deletingLastPathComponent(), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: cache) }
    // The hub cache keeps files as symlinks into blobs/; a symlinked folder stands in for that.
    try FileManager.default.createSymbolicLink(
      at: snapshot, withDestinationURL: URL(fileURLWithPath: llada))
    try Data("abc123\n".utf8).write(to: repo.appendingPathComponent("refs/main"))
    let resolved = try ModelReference.resolve(repo.path)
    #expect(resolved.lastPathComponent == "abc123")
    #expect(try ModelSession.open(repo.path).architecture == "LLaDA")
  }
}

/// Settings as flat JSON and strict overrides: what the CLI, sweeps and the server share.
@Suite("Settings overrides")
struct SettingsOverrideTests {
  @Test func overridesApplyAndParametersTravelWithTheirStrategy() throws {
    let base = DenoisingSettings.preset(.llada)
    let s = try base.applying(["strategy": .string("threshold"), "threshold": .number(0.7)])
    #expect(s.strategy == .threshold(0.7))
    let fast = try DenoisingSettings.preset(.fastDLLM).applying(["threshold": .number(0.5)])
    #expect(fast.strategy == .threshold(0.5))
    let remdm = try base.applying(["strategy": .string("remdm"), "eta": .number(0.2)])
    guard let p = remdm.strategy.parameters(as: ReMDMParameters.self) else {
      Issue.record("not remdm")
      return
    }
    #expect(p.eta == 0.2 && p.schedule == .cap)
  }

  @Test(arguments: [
    (["threshold": JSONValue.number(0.5)], "threshold"),  // confidence has no threshold
    (["telepathy": .integer(1)], "telepathy"),
    (["steps": .string("many")], "steps"),
    (["strategy": .string("threshold"), "threshold": .number(2)], "threshold"),
    (["schedule": .string("cosine"), "exponent": .number(3)], "exponent"),
  ])
  func badOverridesNameTheKey(overrides: [String: JSONValue], key: String) {
    do {
      _ = try DenoisingSettings.preset(.llada).applying(overrides)
      Issue.record("accepted \(overrides)")
    } catch let error as SamplingError {
      guard case .invalidSetting(let field, _) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(field == key)
    } catch {
      Issue.record("untyped \(error)")
    }
  }

  @Test func jsonIsFlatAndOldTracesStillLoad() throws {
    var s = DenoisingSettings.preset(.fastDLLM)
    s.seed = 9
    let object = s.jsonObject
    #expect(object["strategy"] == .string("threshold") && object["threshold"] == .number(0.9))
    #expect(object["eta"] == nil)  // no parameter of another strategy
    let data = try JSONEncoder().encode(s)
    #expect(try JSONDecoder().decode(DenoisingSettings.self, from: data) == s)
    // run.json as written before strategies carried their parameters: every key present.
    let old = """
      {"length": 48, "steps": 48, "block_length": 8, "strategy": "confidence",
       "schedule": "linear", "rounding": "even", "proposal": "llada",
       "confidence_precision": "float64", "temperature": 0.8, "top_k": null, "top_p": null,
       "cfg_scale": 0, "alg_temp": null, "threshold": 0.9, "factor": 1, "entropy_bound": 0.1,
       "eta": 0.04, "remdm_schedule": "cap", "remdm_loop_start": 0.55, "remdm_loop_end": 0.05,
       "eps": 0.001, "sigma_min": 0.0001, "sigma_max": 20, "exponent": 2,
       "explicit_counts": null, "seed": 1, "stop_when_block_complete": false,
       "score_all_masked": false, "logits_eos_inf": false, "confidence_eos_eot_inf": false,
       "mask_id": 126336, "eos_id": 126081, "eot_id": 126348}
      """
    let decoded = try JSONDecoder().decode(DenoisingSettings.self, from: Data(old.utf8))
    #expect(decoded.strategy == .confidence && decoded.length == 48 && decoded.seed == 1)
    #expect(decoded.temperature == 0.8)
  }

  @Test func aLengthAloneMeansOneBlockAndNoIdleSteps() throws {
    let s = try DenoisingSettings.preset(.llada).applying(["length": .integer(8)])
    #expect(s.length == 8 && s.blockLength == 8 && s.steps == 8)
    try s.checkEveryStepCanCommit()
    let t = try DenoisingSettings.preset(.llada).applying([
      "length": .integer(8), "steps": .integer(4),
    ])
    #expect(t.steps == 4)
  }

  @Test func explicitCountsBeyondTheBlockAreRefused() {
    var s = DenoisingSettings()
    s.length = 8
    s.blockLength = 8
    s.steps = 2
    s.schedule = .explicit(counts: [6, 6])
    #expect(throws: SamplingError.self) { try s.validate() }
  }

  @Test func idleStepsAreRefusedByTheFrontEndCheck() throws {
    var s = DenoisingSettings()
    s.length = 8
    s.blockLength = 8
    s.steps = 100 - 100 % 1
    #expect(throws: SamplingError.self) { try s.checkEveryStepCanCommit() }
    s.steps = 8
    try s.checkEveryStepCanCommit()
  }
}
