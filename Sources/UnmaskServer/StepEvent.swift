import Foundation
import Unmask

/// The JSON of one `event: step` Server-Sent Event: what a denoising step did, in the
/// coordinates of the completion (position 0 is the first generated token).
public struct StepEvent: Codable, Equatable, Sendable {
  /// A token written at this step.
  public struct Commit: Codable, Equatable, Sendable {
    /// Position in the completion (0 = first generated token).
    public var position: Int
    /// Token id.
    public var token: Int32
    /// Its text, decoded alone.
    public var text: String
  }

  /// "unmask.step", so that a client reading every `data:` block as a chunk can tell it apart.
  public var object = "unmask.step"
  /// Always empty: the `openai` client reads this event as a chunk with no choice (like the
  /// usage chunk) instead of failing on it.
  public var choices: [Int] = []
  /// Which prompt of the request (choice index).
  public var index: Int
  /// 0-based step over the run.
  public var step: Int
  /// 0-based semi-autoregressive block.
  public var block: Int
  /// 0-based step inside the block.
  public var stepInBlock: Int
  /// Tokens committed at this step, in the order chosen.
  public var committed: [Commit]
  /// Positions (completion coordinates) re-masked at this step.
  public var remasked: [Int]
  /// Masked positions left in the completion after this step.
  public var masked: Int
  /// The completion as it stands: committed text with every mask shown as `maskGlyph`.
  public var canvas: String
  /// Uniform-state models (DiffusionGemma), which have no masks: positions whose token changed
  /// at this step (`committed` are the accepted positions, `remasked` the re-noised ones).
  public var changed: [Int]? = nil
  /// Uniform-state: each position's entropy (nats) in the current canvas, in completion
  /// coordinates from the canvas's first position.
  public var entropy: [Float]? = nil
  /// Uniform-state: the step's argmax canvas as text (what the canvas becomes if it stops now).
  public var argmax: String? = nil

  /// How a masked cell is written in `canvas`.
  public static let maskGlyph = "\u{2591}"

  enum CodingKeys: String, CodingKey {
    case object, choices, index, step, block, committed, remasked, masked, canvas
    case changed, entropy, argmax
    case stepInBlock = "step_in_block"
  }

  /// The event for `step` of prompt `index`, decoding with `decode`.
  init(
    index: Int, step: DenoisingStep, maskID: Int32, decode: ([Int32]) -> String
  ) {
    let offset = step.promptLength
    self.index = index
    self.step = step.index
    block = step.block
    stepInBlock = step.stepInBlock
    committed = step.committed.map {
      Commit(position: $0.position - offset, token: $0.token, text: decode([$0.token]))
    }
    remasked = step.remasked.map { $0 - offset }
    let generated = step.canvas[min(offset, step.canvas.count)...]
    masked = generated.filter { $0 == maskID }.count
    canvas = Self.render(Array(generated), maskID: maskID, decode: decode)
    if let uniform = step.uniformState {
      changed = uniform.changed.map { $0 - offset }
      entropy = Array(step.entropy[step.blockRange.clamped(to: 0..<step.entropy.count)])
      argmax = decode(uniform.argmax)
    }
  }

  /// Decodes runs of committed tokens together (so multi-token characters come out whole) and
  /// writes one glyph per mask.
  static func render(_ ids: [Int32], maskID: Int32, decode: ([Int32]) -> String) -> String {
    var text = ""
    var run: [Int32] = []
    for id in ids {
      if id == maskID {
        if !run.isEmpty { text += decode(run) }
        run.removeAll(keepingCapacity: true)
        text += maskGlyph
      } else {
        run.append(id)
      }
    }
    if !run.isEmpty { text += decode(run) }
    return text
  }
}

/// Turns each denoising step into a `StepEvent` for a streaming response, and stops the run
/// when the client has gone (`StopFlag`).
final class StepEventObserver: DenoisingObserver {
  private let index: Int
  private let maskID: Int32
  private let decode: ([Int32]) -> String
  private let emit: ((StepEvent) -> Void)?
  private let stop: StopFlag

  /// Emits events through `emit` (nil: only watch `stop`).
  init(
    index: Int, maskID: Int32, decode: @escaping ([Int32]) -> String,
    emit: ((StepEvent) -> Void)?, stop: StopFlag
  ) {
    self.index = index
    self.maskID = maskID
    self.decode = decode
    self.emit = emit
    self.stop = stop
  }

  /// Emits the event, then stops the run if the client disconnected.
  func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
    emit?(StepEvent(index: index, step: step, maskID: maskID, decode: decode))
    return stop.isSet ? .stop : .proceed
  }
}

/// Set once a client has gone; runs check it after every step and stop.
public final class StopFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  /// A flag not yet set.
  public init() {}

  /// Asks the run to stop.
  public func set() {
    lock.lock()
    value = true
    lock.unlock()
  }

  /// Whether a stop was asked for.
  public var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
}
