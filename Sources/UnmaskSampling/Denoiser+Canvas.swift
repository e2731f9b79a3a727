// Stand-in for issue 16's infilling (`Denoiser.generate(canvas:promptLength:observers:)`), with
// the same signature, so `unmask eval --task sudoku` runs before that lands. When main gains the
// real one, delete this file: the call sites stay as they are.
// Limits of this stand-in: one block, and remasking strategies (ReMDM) may remask fixed tokens
// of the generated span, because `Run` does not yet know which positions are fixed.

extension Denoiser {
  /// Fills the masks of `canvas` after `promptLength`; other tokens stay as they are (up to the
  /// limit above). `settings.length` must equal `canvas.count - promptLength`, in one block.
  public func generate(
    canvas: [Int32], promptLength: Int, observers: [DenoisingObserver] = []
  ) throws -> DenoisingResult {
    guard promptLength >= 0, promptLength + settings.length == canvas.count else {
      throw SamplingError.invalidSetting(
        field: "length",
        message:
          "the canvas holds \(canvas.count) tokens; the prompt's \(promptLength) plus length "
          + "\(settings.length) must equal that")
    }
    guard settings.blockCount == 1 else {
      throw SamplingError.invalidSetting(
        field: "block-length", message: "a canvas with fixed tokens needs one block for now")
    }
    let prompt = Array(canvas[..<promptLength])
    if prompt.contains(settings.maskID) {
      throw SamplingError.invalidPrompt("it contains the mask id \(settings.maskID)")
    }
    let start = ContinuousClock.now
    var run = Run(
      settings: settings, prompt: prompt, vocabularySize: model.vocabularySize,
      strategy: strategy, schedule: schedule)
    run.canvas = canvas
    observers.forEach { $0.denoisingWillStart(canvas: run.canvas, promptLength: promptLength) }
    let range = run.blockRange(0)
    let counter = CommitCounter(
      settings: settings, maskedAtStart: run.maskCount(in: range), schedule: schedule)
    var stepInBlock = 0
    var stopped = false
    while run.shouldContinue(stepInBlock: stepInBlock, block: range) {
      let step = try run.step(
        model: model, block: 0, range: range, stepInBlock: stepInBlock, counter: counter)
      stepInBlock += 1
      if observers.map({ $0.denoisingDidFinish(step) }).contains(.stop) {
        stopped = true
        break
      }
    }
    observers.forEach { $0.denoisingDidEnd(canvas: run.canvas) }
    return DenoisingResult(
      canvas: run.canvas, generated: Array(run.canvas[promptLength...]),
      forwardPasses: run.forwardPasses, steps: run.stepIndex,
      seconds: (ContinuousClock.now - start).seconds, stoppedEarly: stopped)
  }
}
