import UnmaskCore

/// Runs masked-diffusion generation: a model, a remasking strategy, a schedule and options.
///
/// The loop (LLaDA `generate()`, Fast-dLLM `generate()`, Dream `_sample()` in one):
/// canvas = prompt + `length` masks; for each semi-autoregressive block, for each step:
/// logits (with guidance) -> EOS control -> proposals at the candidates (masked positions up to
/// the block's end) -> the schedule's count -> the strategy's commits (and remasks) -> a
/// `DenoisingStep` to every observer.
///
/// ```swift
/// let denoiser = try Denoiser(model: model, settings: .preset(.llada))
/// let result = try denoiser.generate(prompt: ids)
/// ```
public final class Denoiser {
  /// The model, as "tokens in, logits out".
  public let model: MaskPredictor
  /// The validated settings of every run of this denoiser.
  public let settings: DenoisingSettings

  /// The strategy every run starts from (a fresh copy per run).
  public let strategy: any RemaskingStrategy
  /// The schedule every run uses.
  public let schedule: any NoiseSchedule
  /// Whether steps ask the model only for the logit rows the strategy reads (on by default;
  /// the rows read are the same bits either way, so turning it off changes only the time: the
  /// benchmark's baseline).
  public var restrictsLogitRows = true

  /// A denoiser; throws `SamplingError` when the settings are impossible.
  public convenience init(model: MaskPredictor, settings: DenoisingSettings) throws {
    var strategy = settings.makeStrategy()
    // Here, where V is known, so that an unreadable file (PC-Sampler's) is a one-line error.
    try strategy.prepare(vocabularySize: model.vocabularySize)
    try self.init(
      model: model, settings: settings, strategy: strategy, schedule: settings.makeSchedule())
  }

  /// A denoiser with a strategy or schedule object of your own (an experiment without a
  /// descriptor yet). Traces record `settings`, so set `settings.strategy` / `settings.schedule`
  /// to the closest one, or give the plug-in a descriptor (`StrategyRegistry.register`) and use
  /// `init(model:settings:)`, which records its own name.
  public init(
    model: MaskPredictor, settings: DenoisingSettings, strategy: any RemaskingStrategy,
    schedule: any NoiseSchedule
  ) throws {
    try settings.validate()
    if settings.sampler == .uniformState {
      self.model = model
      self.settings = settings
      self.strategy = strategy
      self.schedule = schedule
      _ = try makeUniformStateSampler()
      return
    }
    if model.canvasDecoder != nil {
      throw SamplingError.invalidSetting(
        field: "sampler",
        message:
          "\(settings.sampler.rawValue) fills masks; this model is uniform-state (DiffusionGemma): use --preset diffusiongemma (--sampler uniform-state)"
      )
    }
    if Int(settings.maskID) >= model.vocabularySize {
      throw SamplingError.invalidSetting(
        field: "mask-id",
        message: "\(settings.maskID) is outside the vocabulary (\(model.vocabularySize))")
    }
    self.model = model
    self.settings = settings
    self.strategy = strategy
    self.schedule = schedule
    if settings.sampler.isAncestral {
      // The sampler says now whether it can run this model with these settings.
      _ = try makeAncestralSampler()
    } else {
      // The run's logit source says now whether the model can run the cache asked for.
      _ = try makeLogitSource(model: model, settings: settings)
    }
  }

  /// Generates `settings.length` tokens after `prompt`, before the fixed `suffix`; observers
  /// see every step and may stop. `prompt` and `suffix` may hold the mask id: those positions
  /// are filled too (see `generate(canvas:promptLength:observers:)`).
  public func generate(
    prompt: [Int32], suffix: [Int32] = [], observers: [DenoisingObserver] = []
  ) throws -> DenoisingResult {
    let canvas = prompt + [Int32](repeating: settings.maskID, count: settings.length) + suffix
    return try generate(canvas: canvas, promptLength: prompt.count, observers: observers)
  }

  /// Fills every mask of `canvas`; the other tokens are fixed and never change.
  ///
  /// The semi-autoregressive blocks tile the generated span
  /// `promptLength..<promptLength + settings.length`. Masks before the span (in the prompt)
  /// join the first block and masks after it (in a suffix) the last: they are candidates of
  /// that block from its first step and are counted in its budget `M` (LLaDA's
  /// `get_num_transfer_tokens` and Dream's `int(M * (1 - s/t))` alike), so with one block every
  /// mask of the canvas competes at every step, which is exactly Dream's `_sample` given these
  /// input ids. Tokens already in the span (not masks) are fixed as well.
  public func generate(
    canvas: [Int32], promptLength: Int, observers: [DenoisingObserver] = []
  ) throws -> DenoisingResult {
    try generate([DenoisingJob(canvas: canvas, promptLength: promptLength, observers: observers)])[
      0]
  }

  /// Generates an answer for each prompt (`settings.length` masks after it), the prompts'
  /// steps run together in one forward pass per step; each answer equals its prompt run alone,
  /// token for token (each canvas attends only to itself, and every kernel sums each row on its
  /// own). `observers[i]`, when given, see prompt i's steps.
  ///
  /// - Returns: one result per prompt, in order; `seconds` is the time until that prompt was done.
  public func generate(batch prompts: [[Int32]], observers: [[DenoisingObserver]]? = nil) throws
    -> [DenoisingResult]
  {
    try generate(
      prompts.enumerated().map { i, prompt in
        DenoisingJob(
          canvas: prompt + [Int32](repeating: settings.maskID, count: settings.length),
          promptLength: prompt.count, observers: observers?[i] ?? [])
      })
  }
}
