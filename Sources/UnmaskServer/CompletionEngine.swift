import Foundation
import Unmask

/// A request checked and turned into token ids and settings, ready to queue.
public struct PreparedCompletion: Sendable {
  /// Prompt token ids, one list per prompt.
  public var prompts: [[Int32]]
  /// Choices per prompt (OpenAI's `n`): choice `p * n + j` is prompt `p` run with `seed + j`.
  public var choicesPerPrompt = 1
  /// The validated sampler settings (length = `max_tokens`).
  public var settings: DenoisingSettings
  /// Stop strings.
  public var stop: [String]
  /// Total prompt tokens, for `usage` (each prompt counted once, whatever `n`).
  public var promptTokens: Int { prompts.reduce(0) { $0 + $1.count } }
  /// Choices in the response: every prompt `choicesPerPrompt` times.
  public var choiceCount: Int { prompts.count * choicesPerPrompt }

  /// The prompt and the settings of choice `index`: the seed moves on by one per extra choice
  /// of a prompt, so choice j equals `unmask generate --seed (seed + j)`.
  func run(_ index: Int) -> (prompt: [Int32], settings: DenoisingSettings) {
    var choice = settings
    choice.seed = settings.seed &+ UInt64(index % choicesPerPrompt)
    return (prompts[index / choicesPerPrompt], choice)
  }
}

/// Checks requests against the served model and runs them: everything between the HTTP layer
/// and the denoiser, with no HTTP in it.
public final class CompletionEngine: @unchecked Sendable {
  /// The model answering.
  public let served: ServedModel
  /// Prompts allowed in one completions request.
  public let maxPrompts: Int
  private let lock = NSLock()
  private var stopped = 0

  /// Runs stopped before they finished because their client went away (`/health` reports it).
  public var stoppedRuns: Int { lock.withLock { stopped } }

  /// An engine over `served`.
  public init(served: ServedModel, maxPrompts: Int = 16) {
    self.served = served
    self.maxPrompts = maxPrompts
  }

  /// Checks `model` against the served model's id: 404 `model_not_found` otherwise.
  public func checkModel(_ model: String?) throws {
    if let model, model != served.name {
      throw APIError.notFound(
        "the model '\(model)' does not exist; this server serves '\(served.name)'",
        param: "model", code: "model_not_found")
    }
  }

  /// Encodes the prompts and builds the settings; every 400 is raised here, before queueing.
  public func prepare(_ request: CompletionRequest) throws -> PreparedCompletion {
    try checkModel(request.model)
    guard request.prompt.count <= maxPrompts else {
      throw APIError.badRequest(
        "'prompt' holds \(request.prompt.count) prompts; at most \(maxPrompts) per request",
        param: "prompt")
    }
    try checkChoices(prompts: request.prompt.count, n: request.common.n)
    let prompts: [[Int32]]
    switch request.prompt {
    case .texts(let texts): prompts = try texts.map { try served.session.encode($0) }
    case .tokens(let lists): prompts = lists
    }
    return try prepare(prompts: prompts, common: request.common, sampler: request.sampler)
  }

  /// Renders the chat through the template, encodes it and builds the settings.
  public func prepare(_ request: ChatCompletionRequest) throws -> PreparedCompletion {
    try checkModel(request.model)
    let ids: [Int32]
    do {
      ids = try served.session.encodeChat(request.messages)
    } catch let error as SessionError {
      throw APIError.badRequest(
        "model '\(served.name)' cannot take chat messages: \(error.problem); use /v1/completions",
        param: "messages")
    }
    try checkChoices(prompts: 1, n: request.common.n)
    return try prepare(prompts: [ids], common: request.common, sampler: request.sampler)
  }

  /// Prompts times `n` is the number of runs a request queues: at most `maxPrompts`.
  private func checkChoices(prompts: Int, n: Int) throws {
    guard prompts * n <= maxPrompts else {
      throw APIError.badRequest(
        "\(prompts) prompt(s) x n \(n) = \(prompts * n) choices; at most \(maxPrompts) per request",
        param: "n")
    }
  }

  private func prepare(prompts: [[Int32]], common: CommonFields, sampler: SamplerOverrides)
    throws -> PreparedCompletion
  {
    let session = served.session
    let settings = try sampler.settings(
      base: session.settings(preset: sampler.preset), length: common.maxTokens)
    let vocabulary = session.model.vocabularySize
    for (index, ids) in prompts.enumerated() {
      if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
        throw APIError.badRequest(
          "prompt \(index): token id \(bad) is outside the vocabulary (0..<\(vocabulary))",
          param: "prompt")
      }
      if ids.contains(settings.maskID) {
        throw APIError.badRequest(
          "prompt \(index) contains the mask token id \(settings.maskID)", param: "prompt")
      }
      if let context = session.contextLength, ids.count + settings.length > context {
        throw APIError.badRequest(
          "prompt \(index) has \(ids.count) tokens and max_tokens is \(settings.length): "
            + "\(ids.count + settings.length) is beyond the model's context of \(context) tokens",
          param: "max_tokens", code: "context_length_exceeded")
      }
    }
    return PreparedCompletion(
      prompts: prompts, choicesPerPrompt: common.n, settings: settings, stop: common.stop)
  }

  /// Generates choice `index` (synchronously: call it on the queue's worker).
  ///
  /// `emit` receives one `StepEvent` per step; `stop` ends the run after the current step.
  public func run(
    _ prepared: PreparedCompletion, index: Int, stop: StopFlag,
    emit: ((StepEvent) -> Void)? = nil
  ) throws -> CompletionOutput {
    let served = self.served
    let (prompt, settings) = prepared.run(index)
    let observer = StepEventObserver(
      index: index, maskID: settings.maskID, decode: served.decode, emit: emit, stop: stop)
    let result: DenoisingResult
    do {
      result = try served.session.generate(
        prompt: prompt, settings: settings, observers: [observer]
      ).result
    } catch let error as SamplingError {
      throw APIError.badRequest(error.description)
    } catch let error as SessionError {
      throw APIError.badRequest(error.description)
    } catch {
      throw APIError.internalError("generation failed: \(error)")
    }
    if result.stoppedEarly { lock.withLock { stopped += 1 } }
    let ends = Set(settings.endIDs)
    return CompletionOutput.cut(
      generated: result.generated, endIDs: ends, stop: prepared.stop,
      stoppedEarly: result.stoppedEarly, decode: served.decode)
  }
}
