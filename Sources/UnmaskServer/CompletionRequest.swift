import Foundation
import Unmask

/// The body of `POST /v1/completions` (OpenAI's fields plus the sampler's).
public struct CompletionRequest: Decodable, Sendable {
  /// The model id; when present it must be the served model's.
  public var model: String?
  /// One prompt or several (each gets its own choice).
  public var prompt: PromptInput
  /// Common OpenAI fields.
  public var common: CommonFields
  /// Sampler fields (`strategy`, `steps`, ...).
  public var sampler: SamplerOverrides

  enum CodingKeys: String, CodingKey { case model, prompt, echo }

  /// Reads the body; `echo` is refused because a diffusion run does not score the prompt.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    model = try c.decodeIfPresent(String.self, forKey: .model)
    prompt = try c.decode(PromptInput.self, forKey: .prompt)
    if try c.decodeIfPresent(Bool.self, forKey: .echo) == true {
      throw APIError.badRequest("'echo' is not supported by a diffusion model", param: "echo")
    }
    common = try CommonFields(from: decoder)
    sampler = try SamplerOverrides(body: [String: JSONValue](from: decoder))
  }
}

/// The body of `POST /v1/chat/completions`.
public struct ChatCompletionRequest: Decodable, Sendable {
  /// The model id; when present it must be the served model's.
  public var model: String?
  /// The conversation, rendered through the model's chat template.
  public var messages: [ChatMessage]
  /// Common OpenAI fields.
  public var common: CommonFields
  /// Sampler fields.
  public var sampler: SamplerOverrides

  enum CodingKeys: String, CodingKey { case model, messages }

  /// One message: `content` is a string or an array of `{"type": "text", "text": ...}` parts.
  struct Message: Decodable {
    var role: String
    var content: String

    enum CodingKeys: String, CodingKey { case role, content }
    struct Part: Decodable {
      var type: String
      var text: String?
    }

    init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      role = try c.decode(String.self, forKey: .role)
      if let text = try? c.decode(String.self, forKey: .content) {
        content = text
      } else {
        let parts = try c.decode([Part].self, forKey: .content)
        guard parts.allSatisfy({ $0.type == "text" && $0.text != nil }) else {
          throw DecodingError.dataCorruptedError(
            forKey: .content, in: c, debugDescription: "only text parts are supported")
        }
        content = parts.compactMap(\.text).joined()
      }
    }
  }

  /// Reads the body.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    model = try c.decodeIfPresent(String.self, forKey: .model)
    let decoded = try c.decode([Message].self, forKey: .messages)
    guard !decoded.isEmpty else {
      throw APIError.badRequest("'messages' is empty; send at least one message", param: "messages")
    }
    messages = decoded.map { ChatMessage(role: $0.role, content: $0.content) }
    common = try CommonFields(from: decoder)
    sampler = try SamplerOverrides(body: [String: JSONValue](from: decoder))
  }
}

/// The OpenAI fields both endpoints share.
public struct CommonFields: Decodable, Sendable {
  /// Tokens to generate: the canvas length (`--length`); nil takes the preset's.
  public var maxTokens: Int?
  /// Strings that end the text early (at most 4).
  public var stop: [String]
  /// Choices per prompt: choice j of a prompt runs with `seed + j`.
  public var n: Int
  /// Send Server-Sent Events.
  public var stream: Bool
  /// Also send one `event: step` per denoising step (with `stream`).
  public var streamSteps: Bool
  /// Send a last chunk with `usage` (`stream_options.include_usage`).
  public var includeUsage: Bool

  enum CodingKeys: String, CodingKey {
    case stop, n, stream, logprobs
    case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens"
    case streamSteps = "stream_steps", streamOptions = "stream_options"
  }

  struct StreamOptions: Decodable {
    var includeUsage: Bool?
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
  }

  /// Reads and range-checks the fields.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    maxTokens =
      try c.decodeIfPresent(Int.self, forKey: .maxTokens)
      ?? c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
    if let maxTokens, maxTokens < 1 {
      throw APIError.badRequest(
        "'max_tokens' must be at least 1, got \(maxTokens)", param: "max_tokens")
    }
    if let text = try? c.decode(String.self, forKey: .stop) {
      stop = [text]
    } else {
      stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? []
    }
    guard stop.count <= 4, !stop.contains("") else {
      throw APIError.badRequest("'stop' takes at most 4 non-empty strings", param: "stop")
    }
    n = try c.decodeIfPresent(Int.self, forKey: .n) ?? 1
    guard n >= 1 else {
      throw APIError.badRequest("'n' must be at least 1, got \(n)", param: "n")
    }
    stream = try c.decodeIfPresent(Bool.self, forKey: .stream) ?? false
    streamSteps = try c.decodeIfPresent(Bool.self, forKey: .streamSteps) ?? false
    if streamSteps && !stream {
      throw APIError.badRequest("'stream_steps' needs 'stream': true", param: "stream_steps")
    }
    includeUsage =
      try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.includeUsage ?? false
    // Scores of the prompt or of alternatives are not computed by a denoising run.
    if let logprobs = try? c.decodeIfPresent(Int.self, forKey: .logprobs), logprobs > 0 {
      throw APIError.badRequest("'logprobs' is not supported", param: "logprobs")
    }
    if (try? c.decodeIfPresent(Bool.self, forKey: .logprobs)) == true {
      throw APIError.badRequest("'logprobs' is not supported", param: "logprobs")
    }
  }
}

/// A completions prompt: a string, strings, token ids, or lists of token ids.
public enum PromptInput: Decodable, Equatable, Sendable {
  /// Text prompts, encoded with the model's tokenizer.
  case texts([String])
  /// Prompts given as token ids.
  case tokens([[Int32]])

  /// Tries each of OpenAI's four shapes in turn.
  public init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let text = try? c.decode(String.self) {
      self = .texts([text])
    } else if let texts = try? c.decode([String].self) {
      self = .texts(texts)
    } else if let ids = try? c.decode([Int32].self) {
      self = .tokens([ids])
    } else if let lists = try? c.decode([[Int32]].self) {
      self = .tokens(lists)
    } else {
      throw DecodingError.dataCorruptedError(
        in: c,
        debugDescription: "must be a string, an array of strings, or token ids (integers)")
    }
    guard count >= 1 else {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: "is empty")
    }
  }

  /// Number of prompts.
  public var count: Int {
    switch self {
    case .texts(let texts): return texts.count
    case .tokens(let lists): return lists.count
    }
  }
}
