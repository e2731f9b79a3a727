import Testing
import UnmaskCore
@testable import UnmaskSampling

/// Issue 16, item 2: `minLength`, `stopAtEOS`, `eosFill` and LLaDA's EOS controls at every
/// temperature, on the toy predictor (EOS 100 and EoT 101 are frequent proposals there).
@Suite("EOS and length controls")
struct EOSControlTests {
  func settings(temperature: Double = 0) -> DenoisingSettings {
    var s = DenoisingSettings()
    s.length = 32
    s.blockLength = 8
    s.steps = 32
    s.maskID = 111
    s.eosID = 100
    s.eotID = 101
    s.temperature = temperature
    s.seed = 3
    return s
  }

  func run(_ s: DenoisingSettings, observers: [DenoisingObserver] = []) throws -> DenoisingResult {
    try Denoiser(model: try ToyPredictor.load(), settings: s)
      .generate(prompt: [4, 5, 6], observers: observers)
  }

  @Test func baselineCommitsEOSEarly() throws {
    let result = try run(settings())
    let first = result.generated.firstIndex { $0 == 100 || $0 == 101 }
    #expect(first != nil && first! < 8, "the toy run must commit EOS early for these tests")
  }

  @Test(arguments: [0.0, 0.7, 1.0])
  func minimumLengthHoldsAtEveryTemperature(temperature: Double) throws {
    var s = settings(temperature: temperature)
    s.minLength = 20
    let result = try run(s)
    #expect(!result.generated.prefix(20).contains { $0 == 100 || $0 == 101 })
  }

  @Test(arguments: [0.0, 0.7])
  func logitsEOSInfRemovesEOSAtEveryTemperature(temperature: Double) throws {
    var s = settings(temperature: temperature)
    s.logitsEosInf = true
    #expect(try !run(s).generated.contains(100))
  }

  /// Intended `confidence_eos_eot_inf`: an EOS or EoT proposal scores 0, at every temperature.
  @Test(arguments: [0.0, 0.7])
  func confidenceEOSEoTInfScoresThemZero(temperature: Double) throws {
    var s = settings(temperature: temperature)
    s.confidenceEosEotInf = true
    let recorder = Recorder()
    _ = try run(s, observers: [recorder])
    let scores = recorder.steps.flatMap(\.committed).filter { $0.token == 100 || $0.token == 101 }
      .map(\.score)
    #expect(!scores.isEmpty)
    #expect(scores.allSatisfy { $0 == 0 })
  }

  /// The Dream numerics honour the control too (Dream has none of its own): an EOS or EoT
  /// proposal scores lowest under confidence and entropy alike, at every temperature.
  @Test(arguments: [(0.0, StrategyName.confidence), (0.7, .confidence), (0.0, .entropy)])
  func confidenceEOSEoTInfWithDreamNumerics(temperature: Double, strategy: StrategyName) throws {
    var s = settings(temperature: temperature)
    s.proposal = .dream
    s.rounding = .truncate
    s.strategy = .defaults(strategy)
    let plain = try run(s)
    s.confidenceEosEotInf = true
    let recorder = Recorder()
    let controlled = try run(s, observers: [recorder])
    #expect(plain.canvas != controlled.canvas)
    let ends = recorder.steps.flatMap(\.committed).filter { $0.token == 100 || $0.token == 101 }
    #expect(ends.allSatisfy { $0.score == 0 || $0.score == -.infinity })
  }

  /// With the reference's issue-137 behaviour, EOS keeps its confidence at temperature > 0.
  @Test func referenceBugScoresEOSAboveZero() throws {
    var s = settings(temperature: 0.7)
    s.confidenceEosEotInf = true
    s.referenceEOSBug = true
    let recorder = Recorder()
    _ = try run(s, observers: [recorder])
    let eos = recorder.steps.flatMap(\.committed).filter { $0.token == 100 }.map(\.score)
    #expect(eos.contains { $0 > 0 })
  }

  @Test func stopAtEOSCutsTheGeneratedTokens() throws {
    var s = settings()
    s.stopAtEOS = true
    let result = try run(s)
    let full = Array(result.canvas[3..<35])
    let cut = full.firstIndex { $0 == 100 || $0 == 101 }!
    #expect(result.generated == Array(full[..<cut]))
    #expect(result.canvas.count == 35)
  }

  /// EOS fill on a predictor that proposes token 7 before canvas position 8 and, more
  /// confidently, EOS from there on: the first step commits two EOS (positions 8, 9), the tail
  /// is then masks or EOS, so it is filled; block 0 (positions 3..<11) still runs its 4 steps,
  /// blocks 1-3 (12 steps) are skipped and counted as saved.
  @Test func eosFillSkipsTheRestAndCountsIt() throws {
    var s = settings()
    s.steps = 16
    s.eosFill = true
    let model = EOSTailPredictor(vocabularySize: 112, eosFrom: 8, eos: 100)
    let filled = try Denoiser(model: model, settings: s).generate(prompt: [4, 5, 6])
    s.eosFill = false
    let plain = try Denoiser(model: model, settings: s).generate(prompt: [4, 5, 6])
    #expect(filled.eosFilled == 35 - 10)
    #expect(filled.forwardPasses == 4)
    #expect(filled.forwardPassesSaved == 12)
    #expect(filled.forwardPasses + filled.forwardPassesSaved == plain.forwardPasses)
    #expect(filled.canvas == plain.canvas)
    #expect(Array(filled.canvas[8...]).allSatisfy { $0 == 100 })
  }

  @Test func minimumLengthAboveLengthIsRejected() throws {
    var s = settings()
    s.minLength = 33
    #expect(throws: SamplingError.self) { try s.validate() }
  }
}

/// Proposes token 7 (logit 2) before `eosFrom` and EOS (logit 8) from there on.
final class EOSTailPredictor: MaskPredictor {
  let vocabularySize: Int
  let eosFrom: Int
  let eos: Int
  init(vocabularySize: Int, eosFrom: Int, eos: Int) {
    self.vocabularySize = vocabularySize
    self.eosFrom = eosFrom
    self.eos = eos
  }
  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { try self.logits(for: $0) }
  }

  func logits(for tokens: [Int32]) throws -> Matrix {
    var m = Matrix(rows: tokens.count, columns: vocabularySize)
    for i in 0..<tokens.count {
      if i < eosFrom { m[i, 7] = 2 } else { m[i, eos] = 8 }
    }
    return m
  }
}
