import Foundation

/// What the in-browser viewer needs of one trace, as the JSON embedded in the page.
///
/// Matrices are flattened row-major (`[steps * positions]`); scores are rounded to four
/// decimals and NaN (position not masked when the step began) becomes null.
public struct TraceViewerData: Encodable, Sendable {
  /// A token committed at a step: what the hover box shows.
  public struct Commit: Encodable, Sendable {
    /// Step that committed it.
    public var step: Int
    /// Canvas position.
    public var pos: Int
    /// Token id.
    public var token: Int32
    /// Decoded text.
    public var text: String
    /// The strategy's score.
    public var score: Float?
  }

  /// Caption: the folder name the user gave.
  public var title: String
  /// Remasking strategy.
  public var strategy: String
  /// Model name or path.
  public var model: String
  /// Steps (rows).
  public var steps: Int
  /// Canvas positions (columns).
  public var positions: Int
  /// Prompt positions at the start of the canvas.
  public var promptLength: Int
  /// Decoded text of each prompt token.
  public var promptText: [String]
  /// Every commit of the run, in step order.
  public var commits: [Commit]
  /// state.npy: commit step or `CellState` code per cell.
  public var state: [Int32]
  /// confidence.npy, rounded.
  public var confidence: [Float?]
  /// entropy.npy (nats), rounded.
  public var entropy: [Float?]
  /// Block of each step.
  public var blocks: [Int]
  /// Uniform-state runs (DiffusionGemma): per step, the positions whose token changed; nil for
  /// masked diffusion.
  public var changed: [[Int]]?

  enum CodingKeys: String, CodingKey {
    case title, strategy, model, steps, positions, commits, state, confidence, entropy, blocks
    case changed
    case promptLength = "prompt_length", promptText = "prompt_text"
  }

  /// The viewer's data for `trace`, captioned `title`.
  public init(_ trace: Trace, title: String) {
    self.title = title
    strategy = trace.run.strategy
    model = trace.run.model
    steps = trace.stepCount
    positions = trace.positionCount
    promptLength = trace.promptLength
    promptText = trace.run.promptText
    commits = trace.steps.flatMap { step in
      step.committed.map {
        Commit(step: step.step, pos: $0.pos, token: $0.token, text: $0.text, score: $0.score)
      }
    }
    state = trace.state.values
    confidence = trace.confidence.values.map(Self.rounded)
    entropy = trace.entropy.values.map(Self.rounded)
    blocks = trace.steps.map(\.block)
    if trace.steps.contains(where: { $0.changed != nil }) {
      changed = trace.steps.map { $0.changed ?? [] }
    }
  }

  /// Four decimals; nil for NaN and infinities (JSON has neither).
  static func rounded(_ value: Float) -> Float? {
    guard value.isFinite else { return nil }
    return (value * 10_000).rounded() / 10_000
  }

  /// The canvas text after `step` as the viewer shows it: prompt and committed tokens as text,
  /// every masked cell as `TraceViewer.maskGlyph` (what the browser test compares with).
  public static func canvasText(_ trace: Trace, step: Int) -> String {
    var textAt: [Int: String] = [:]  // key: step * positions + pos
    for record in trace.steps {
      for token in record.committed {
        textAt[record.step * trace.positionCount + token.pos] = token.text
      }
    }
    var text = ""
    for pos in 0..<trace.positionCount {
      let code = trace.state[step, pos]
      if code == CellState.prompt {
        text += pos < trace.run.promptText.count ? trace.run.promptText[pos] : ""
      } else if code >= 0 {
        text += textAt[Int(code) * trace.positionCount + pos] ?? ""
      } else {
        text += TraceViewer.maskGlyph
      }
    }
    return text
  }
}
