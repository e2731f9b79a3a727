import Foundation

/// An error as OpenAI's API reports it: an HTTP status plus
/// `{"error": {"message", "type", "param", "code"}}`.
public struct APIError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The HTTP status (400, 401, 404, 413, 429, 500, ...).
  public var status: Int
  /// One line saying what was wrong, naming the field where there is one.
  public var message: String
  /// OpenAI's error class: `invalid_request_error`, `authentication_error`, ...
  public var type: String
  /// The body field at fault, if any.
  public var param: String?
  /// A machine-readable code: `model_not_found`, `context_length_exceeded`, ...
  public var code: String?
  /// Seconds a client should wait before retrying (429 only): sent as `Retry-After`.
  public var retryAfter: Int?

  /// An error with every field given.
  public init(
    status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
    retryAfter: Int? = nil
  ) {
    self.status = status
    self.message = message
    self.type = type
    self.param = param
    self.code = code
    self.retryAfter = retryAfter
  }

  /// The message, for logs.
  public var description: String { "\(status) \(type): \(message)" }

  /// 400: the body is malformed or a field is out of range.
  public static func badRequest(_ message: String, param: String? = nil, code: String? = nil)
    -> APIError
  {
    APIError(
      status: 400, message: message, type: "invalid_request_error", param: param, code: code)
  }

  /// 401: missing or wrong API key.
  public static let unauthorized = APIError(
    status: 401, message: "missing or incorrect API key (send 'Authorization: Bearer KEY')",
    type: "authentication_error", code: "invalid_api_key")

  /// 404: no such route, model or trace.
  public static func notFound(_ message: String, param: String? = nil, code: String? = nil)
    -> APIError
  {
    APIError(
      status: 404, message: message, type: "invalid_request_error", param: param, code: code)
  }

  /// 413: the body is larger than the server accepts.
  public static func tooLarge(limit: Int) -> APIError {
    APIError(
      status: 413, message: "request body is larger than \(limit) bytes",
      type: "invalid_request_error", code: "request_too_large")
  }

  /// 429: the queue is full.
  public static func queueFull(capacity: Int, retryAfter: Int) -> APIError {
    APIError(
      status: 429,
      message:
        "the server is busy: one request is running and \(capacity) are waiting (the most it "
        + "queues); retry later",
      type: "rate_limit_error", code: "queue_full", retryAfter: retryAfter)
  }

  /// 500: generation failed inside the library (the message names what failed).
  public static func internalError(_ message: String) -> APIError {
    APIError(status: 500, message: message, type: "server_error")
  }

  /// The JSON body, `{"error": {...}}` with `param` and `code` as null when absent.
  public var body: Data {
    struct Envelope: Encodable {
      struct Inner: Encodable {
        var message: String
        var type: String
        var param: String?
        var code: String?
        func encode(to encoder: Encoder) throws {
          var c = encoder.container(keyedBy: CodingKeys.self)
          try c.encode(message, forKey: .message)
          try c.encode(type, forKey: .type)
          try c.encode(param, forKey: .param)
          try c.encode(code, forKey: .code)
        }
        enum CodingKeys: String, CodingKey { case message, type, param, code }
      }
      var error: Inner
    }
    let envelope = Envelope(error: .init(message: message, type: type, param: param, code: code))
    return (try? JSONCoding.encoder.encode(envelope)) ?? Data("{\"error\":{}}".utf8)
  }
}

/// The JSON encoder every response uses: sorted keys (stable output), slashes unescaped.
enum JSONCoding {
  /// Shared settings; `JSONEncoder` is safe to use from several threads once configured.
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()
}
