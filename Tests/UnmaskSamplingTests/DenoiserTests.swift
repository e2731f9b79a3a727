import Testing
import UnmaskCore
@testable import UnmaskSampling

final class Recorder: DenoisingObserver {
  var steps: [DenoisingStep] = []
  var stopAfter: Int?
  var started = false
  var ended = false
  func denoisingWillStart(canvas: [Int32], promptLength: Int) { started = true }
  func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
    steps.append(step)
    if let stopAfter, steps.count >= stopAfter { return .stop }
    return .proceed
  }
  func denoisingDidEnd(canvas: [Int32]) { ended = true }
}

@Suite("Denoiser loop: step events, stopping, errors")
struct DenoiserTests {
  func settings(_ strategy: StrategyName) -> DenoisingSettings {
    var s = DenoisingSettings()
    s.length = 24
    s.steps = 12
    s.blockLength = 8
    s.strategy = .defaults(strategy)
    s.maskID = 111
    s.eosID = 100
    s.eotID = 101
    return s
  }

  @Test(arguments: StrategyName.allCases)
  func everyStrategyFinishesAndReportsSteps(strategy: StrategyName) throws {
    let model = try ToyPredictor.load()
    let recorder = Recorder()
    let result = try Denoiser(model: model, settings: settings(strategy)).generate(
      prompt: [4, 5, 6], observers: [recorder])
    #expect(!result.generated.contains(111))
    #expect(recorder.started && recorder.ended)
    #expect(recorder.steps.count == result.steps)
    let committed =
      recorder.steps.reduce(0) { $0 + $1.committed.count }
      - recorder.steps.reduce(0) { $0 + $1.remasked.count }
    #expect(committed == 24)
    for step in recorder.steps {
      #expect(step.confidence.count == 27)
      for i in 0..<27
      where step.canvas[i] != 111 && !step.committed.contains(where: { $0.position == i })
        && i < step.promptLength
      {
        #expect(step.confidence[i].isNaN && step.entropy[i].isNaN && step.margin[i].isNaN)
      }
      for c in step.committed { #expect(!step.confidence[c.position].isNaN) }
    }
  }

  @Test func scoringAllMaskedChangesNothingButTheEvents() throws {
    let model = try ToyPredictor.load()
    var s = settings(.confidence)
    s.temperature = 1
    s.seed = 3
    let plain = Recorder()
    let a = try Denoiser(model: model, settings: s).generate(prompt: [4], observers: [plain])
    s.scoreAllMasked = true
    let all = Recorder()
    let b = try Denoiser(model: model, settings: s).generate(prompt: [4], observers: [all])
    #expect(a.canvas == b.canvas)
    // First step: block 0 is positions 1...8; later masks are scored only with the flag.
    #expect(plain.steps[0].confidence[20].isNaN)
    #expect(!all.steps[0].confidence[20].isNaN)
  }

  @Test func observerCanStopTheRun() throws {
    let model = try ToyPredictor.load()
    let recorder = Recorder()
    recorder.stopAfter = 2
    let result = try Denoiser(model: model, settings: settings(.confidence)).generate(
      prompt: [4, 5], observers: [recorder])
    #expect(result.stoppedEarly && result.steps == 2 && recorder.steps.count == 2)
    #expect(result.generated.contains(111))
  }

  /// Masks in the prompt are filled (issue 16); the prompt's other tokens stay.
  @Test func promptMaskIsFilled() throws {
    let model = try ToyPredictor.load()
    let result = try Denoiser(model: model, settings: settings(.confidence))
      .generate(prompt: [111, 4])
    #expect(result.canvas[1] == 4)
    #expect(!result.canvas.contains(111))
  }

  @Test func maskOutsideVocabularyIsRejected() throws {
    var s = settings(.confidence)
    s.maskID = 5000
    let model = try ToyPredictor.load()
    #expect(throws: SamplingError.self) { try Denoiser(model: model, settings: s) }
  }
}
