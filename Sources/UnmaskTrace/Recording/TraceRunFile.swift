import UnmaskCore

/// The contents of run.json: what ran, with which settings, and how long it took.
public struct TraceRunFile: Codable, Equatable, Sendable {
  /// Always "unmask-trace".
  public var format: String
  /// Format version; this reader understands 1.
  public var version: Int
  /// Model name or path.
  public var model: String
  /// Remasking strategy name.
  public var strategy: String
  /// Prompt token ids.
  public var promptIds: [Int32]
  /// Decoded text of each prompt token.
  public var promptText: [String]
  /// Canvas positions (prompt plus generated).
  public var canvasLength: Int
  /// Steps recorded (rows of the .npy matrices).
  public var steps: Int
  /// Semi-autoregressive blocks seen.
  public var blocks: Int
  /// The sampler's settings, as it encoded them.
  public var settings: JSONValue
  /// Final canvas token ids.
  public var finalIds: [Int32]
  /// Seconds: "model" (sum over steps), "wall" (first event to finish), "trace" (recorder),
  /// plus whatever the caller passed to `finish`.
  public var timings: [String: Double]
  /// ISO 8601 time of the first event.
  public var startedAt: String
  /// Caller extras.
  public var extra: [String: String]
  /// True when the run was stopped by Ctrl-C or SIGTERM: the steps recorded are complete and
  /// consistent, the canvas still holds masks. Absent (nil) for runs that ended normally.
  public var interrupted: Bool? = nil

  /// The format name written in "format".
  public static let formatName = "unmask-trace"
  /// The version this code writes and reads.
  public static let currentVersion = 1

  enum CodingKeys: String, CodingKey {
    case format, version, model, strategy, settings, timings, extra, steps, blocks, interrupted
    case promptIds = "prompt_ids"
    case promptText = "prompt_text"
    case canvasLength = "canvas_length"
    case finalIds = "final_ids"
    case startedAt = "started_at"
  }
}
