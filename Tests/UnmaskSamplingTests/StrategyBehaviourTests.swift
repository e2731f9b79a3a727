import Testing
import UnmaskCore
@testable import UnmaskSampling

@Suite("Strategy behaviour beyond the goldens")
struct StrategyBehaviourTests {
  func toySettings() -> DenoisingSettings {
    var s = DenoisingSettings()
    s.length = 32
    s.steps = 16
    s.blockLength = 32
    s.maskID = 111
    s.eosID = 100
    s.eotID = 101
    return s
  }

  @Test(arguments: ReMDMSchedule.allCases)
  func remdmRemasksAndStillFinishes(schedule: ReMDMSchedule) throws {
    var s = toySettings()
    var parameters = ReMDMParameters()
    parameters.schedule = schedule
    parameters.eta = 0.5
    parameters.loopStart = 0.9
    parameters.loopEnd = 0.1
    s.strategy = .remdm(parameters)
    s.rounding = .truncate
    let model = try ToyPredictor.load()
    var remasks = 0
    for seed in 0..<8 {
      s.seed = UInt64(seed)
      let recorder = Recorder()
      let result = try Denoiser(model: model, settings: s).generate(
        prompt: [1, 2], observers: [recorder])
      #expect(!result.generated.contains(111))
      remasks += recorder.steps.reduce(0) { $0 + $1.remasked.count }
      for step in recorder.steps {
        for p in step.remasked { #expect(step.canvas[p] == 111) }
      }
    }
    #expect(remasks > 0, "ReMDM \(schedule) never remasked")
  }

  /// `origin` moves each of M masks with probability 1 - s/t: over many seeds the first step's
  /// mean commit count must be within 5 standard errors of M (1 - s/t).
  @Test func originMovesTheExpectedShare() throws {
    var s = DenoisingSettings.preset(.dream)
    s.strategy = .origin
    s.length = 32
    s.blockLength = 32
    s.steps = 4
    s.maskID = 111
    let model = try ToyPredictor.load(dreamShift: true)
    let t = CommitCounter.dreamTimesteps(count: 5, eps: 1e-3)
    let p = Double(1 - t[1] / t[0])
    let n = 400
    var total = 0
    for seed in 0..<n {
      s.seed = UInt64(seed)
      let recorder = Recorder()
      recorder.stopAfter = 1
      _ = try Denoiser(model: model, settings: s).generate(prompt: [3], observers: [recorder])
      total += recorder.steps[0].committed.count
    }
    let mean = Double(total) / Double(n)
    let expected = 32 * p
    let standardError = (32 * p * (1 - p) / Double(n)).squareRoot()
    print(
      "origin: mean \(mean) commits, expected \(expected), gap \(abs(mean - expected) / standardError) standard errors"
    )
    #expect(abs(mean - expected) < 5 * standardError)
  }

  /// `random` picks uniformly: with one commit per step from 8 candidates, each position comes
  /// first with probability 1/8 (within 5 standard errors over 1600 seeds).
  @Test func randomIsUniform() throws {
    var s = toySettings()
    s.strategy = .random
    s.length = 8
    s.blockLength = 8
    s.steps = 8
    let model = try ToyPredictor.load()
    var firsts = [Int](repeating: 0, count: 8)
    let n = 1600
    for seed in 0..<n {
      s.seed = UInt64(seed)
      let recorder = Recorder()
      recorder.stopAfter = 1
      _ = try Denoiser(model: model, settings: s).generate(prompt: [3], observers: [recorder])
      firsts[recorder.steps[0].committed[0].position - 1] += 1
    }
    let p = 1.0 / 8
    let se = (p * (1 - p) / Double(n)).squareRoot()
    let worst = firsts.map { abs(Double($0) / Double(n) - p) / se }.max() ?? 0
    print("random: worst gap \(worst) standard errors")
    #expect(worst < 5)
  }

  @Test func thresholdOneCommitsOnePerStepAndSmallThresholdFewerSteps() throws {
    var s = toySettings()
    s.strategy = .threshold(1)
    let model = try ToyPredictor.load()
    let strict = try Denoiser(model: model, settings: s).generate(prompt: [1])
    #expect(strict.forwardPasses == 32)
    s.strategy = .threshold(0.05)
    let loose = try Denoiser(model: model, settings: s).generate(prompt: [1])
    #expect(loose.forwardPasses < 32)
  }

  @Test func algTemperatureZeroIsTheTopK() throws {
    var s = DenoisingSettings.preset(.dream)
    s.length = 24
    s.blockLength = 24
    s.steps = 12
    s.maskID = 111
    let model = try ToyPredictor.load(dreamShift: true)
    let plain = try Denoiser(model: model, settings: s).generate(prompt: [5, 6])
    s.algTemperature = 0
    #expect(
      try Denoiser(model: model, settings: s).generate(prompt: [5, 6]).canvas == plain.canvas)
  }
}

/// The docs/STRATEGIES.md example: a strategy of one's own with its descriptor, registered
/// under its own name (`RegisteredPluginTests`) or plugged in as an object (`CustomPluginTests`).
/// Score = `-position + weight * confidence`: left to right at the default weight 0.
struct LeftToRightRemasking: DescribedStrategy {
  struct Parameters: PluginParameters {
    var confidenceWeight = 0.0
  }

  static let descriptor = StrategyDescriptor(
    name: "left-to-right", summary: "Leftmost candidates first (a test plug-in).",
    parameters: [
      .number(
        "ltr_confidence_weight", \Parameters.confidenceWeight, in: .atLeast(0),
        help: "weight of the confidence added to -position")
    ],
    reads: .candidateProposals, make: { p, _ in LeftToRightRemasking(parameters: p) })

  var parameters = Parameters()

  mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let weight = parameters.confidenceWeight
    return context.pick(
      context.scoreRow { -Double($0.position) + weight * $0.confidence }, k: context.count,
      rng: &rng)
  }
}

@Suite("Custom strategies and schedules")
struct CustomPluginTests {
  @Test func customStrategyAndScheduleRun() throws {
    var s = DenoisingSettings()
    s.length = 12
    s.steps = 12
    s.blockLength = 12
    s.maskID = 111
    let model = try ToyPredictor.load()
    let recorder = Recorder()
    let denoiser = try Denoiser(
      model: model, settings: s, strategy: LeftToRightRemasking(),
      schedule: PolynomialSchedule(exponent: 1))
    let result = try denoiser.generate(prompt: [7], observers: [recorder])
    #expect(!result.generated.contains(111))
    #expect(recorder.steps.map { $0.committed.first?.position ?? -1 } == Array(1...12))
  }
}
