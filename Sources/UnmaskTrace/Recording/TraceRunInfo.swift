import UnmaskSampling

/// What the caller knows about a run before it starts: UnmaskTrace depends on neither the
/// tokenizer nor the model, so the caller passes names, ids, settings and a token printer.
public struct TraceRunInfo {
  /// Model name or checkpoint path, as the user gave it.
  public var model: String
  /// The prompt's token ids (the first `count` canvas positions).
  public var promptTokens: [Int32]
  /// Remasking strategy name (used in titles and in the default folder name).
  public var strategy: String
  /// Every sampler setting (the sampler's `DenoisingSettings`); stored under "settings".
  public var settings: (any Encodable)?
  /// The mask id, when known: the recorder then marks every position of the starting canvas
  /// that holds it as masked (infilling: masks in the prompt or a suffix) and every other one
  /// as fixed. Without it the prompt is fixed and everything after it masked.
  public var maskID: Int32? = nil
  /// Decoded text of one token, for order.png/svg, denoise.gif and trace.jsonl's "text".
  public var tokenText: (Int32) -> String
  /// Free-form extras stored in run.json (e.g. "command", "device").
  public var extra: [String: String]

  /// A run description; `tokenText` defaults to printing the id.
  public init(
    model: String, promptTokens: [Int32], strategy: String, settings: (any Encodable)? = nil,
    extra: [String: String] = [:], tokenText: @escaping (Int32) -> String = { "#\($0)" }
  ) {
    self.model = model
    self.promptTokens = promptTokens
    self.strategy = strategy
    self.settings = settings
    self.extra = extra
    self.tokenText = tokenText
  }
}

extension TraceRunInfo {
  /// A run with `settings`: run.json records them all, and the strategy under its own name (a
  /// registered plug-in's included); starting masks are found by the settings' mask id.
  public init(
    model: String, promptTokens: [Int32], settings: DenoisingSettings,
    extra: [String: String] = [:], tokenText: @escaping (Int32) -> String = { "#\($0)" }
  ) {
    self.init(
      model: model, promptTokens: promptTokens, strategy: settings.strategy.name.rawValue,
      settings: settings, extra: extra, tokenText: tokenText)
    maskID = settings.maskID
  }
}
