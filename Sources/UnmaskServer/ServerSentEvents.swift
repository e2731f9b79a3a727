import Foundation
import Hummingbird

/// Server-Sent Events framing (the WHATWG `text/event-stream` format) as OpenAI streams use it:
/// `data: {json}` blocks ended by a blank line, then `data: [DONE]`.
public enum ServerSentEvents {
  /// The response's content type.
  public static let contentType = "text/event-stream"

  /// `data: <json>\n\n` for an unnamed event (what the `openai` client reads as a chunk).
  public static func data(_ json: Data) -> String {
    "data: " + String(decoding: json, as: UTF8.self) + "\n\n"
  }

  /// `event: <name>\ndata: <json>\n\n` for a named event (`step`).
  public static func event(_ name: String, _ json: Data) -> String {
    "event: " + name + "\n" + data(json)
  }

  /// The stream's last block.
  public static let done = "data: [DONE]\n\n"

  /// A comment line (`: text`), which clients ignore; sent once per step when step events are
  /// off, so that a write fails soon after the client has gone and the run can stop.
  public static func comment(_ text: String) -> String { ": " + text + "\n\n" }

  /// The text as a buffer to write.
  static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
