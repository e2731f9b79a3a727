import Foundation

/// Token counts of a response (`usage`).
public struct Usage: Codable, Equatable, Sendable {
  /// Prompt tokens (all prompts of the request).
  public var promptTokens: Int
  /// Tokens returned (cut at EOS / end of turn / a stop string).
  public var completionTokens: Int
  /// Their sum.
  public var totalTokens: Int

  /// Counts, with the total computed.
  public init(promptTokens: Int, completionTokens: Int) {
    self.promptTokens = promptTokens
    self.completionTokens = completionTokens
    totalTokens = promptTokens + completionTokens
  }

  enum CodingKeys: String, CodingKey {
    case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    case totalTokens = "total_tokens"
  }
}

/// `POST /v1/completions`' answer (`object: "text_completion"`); also each streamed chunk.
public struct CompletionResponse: Codable, Sendable {
  /// One choice.
  public struct Choice: Codable, Sendable {
    /// The generated text.
    public var text: String
    /// Prompt index.
    public var index: Int
    /// Always null: not computed.
    public var logprobs: String?
    /// "stop" (EOS, end of turn or a stop string), "length" (all `max_tokens`), or null in a
    /// streamed chunk that is not the last.
    public var finishReason: String?

    enum CodingKeys: String, CodingKey {
      case text, index, logprobs
      case finishReason = "finish_reason"
    }

    /// Writes `logprobs` and `finish_reason` as null when absent, as OpenAI does.
    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(text, forKey: .text)
      try c.encode(index, forKey: .index)
      try c.encode(logprobs, forKey: .logprobs)
      try c.encode(finishReason, forKey: .finishReason)
    }
  }

  /// `cmpl-...`.
  public var id: String
  /// "text_completion".
  public var object: String = "text_completion"
  /// Unix seconds.
  public var created: Int
  /// The served model's id.
  public var model: String
  /// One choice per prompt.
  public var choices: [Choice]
  /// Token counts (absent in streamed chunks).
  public var usage: Usage?
}

/// `POST /v1/chat/completions`' answer (`object: "chat.completion"`).
public struct ChatCompletionResponse: Codable, Sendable {
  /// The assistant's message.
  public struct Message: Codable, Sendable {
    /// "assistant".
    public var role: String
    /// The generated text.
    public var content: String
  }

  /// The one choice.
  public struct Choice: Codable, Sendable {
    /// 0.
    public var index: Int
    /// The reply.
    public var message: Message
    /// "stop" or "length".
    public var finishReason: String

    enum CodingKeys: String, CodingKey {
      case index, message
      case finishReason = "finish_reason"
    }
  }

  /// `chatcmpl-...`.
  public var id: String
  /// "chat.completion".
  public var object: String = "chat.completion"
  /// Unix seconds.
  public var created: Int
  /// The served model's id.
  public var model: String
  /// The one choice.
  public var choices: [Choice]
  /// Token counts.
  public var usage: Usage
}

/// One streamed chat chunk (`object: "chat.completion.chunk"`).
public struct ChatCompletionChunk: Codable, Sendable {
  /// The change to the message.
  public struct Delta: Codable, Sendable {
    /// "assistant" in the first chunk.
    public var role: String?
    /// Text added by this chunk.
    public var content: String?
  }

  /// The one choice.
  public struct Choice: Codable, Sendable {
    /// 0.
    public var index: Int
    /// What this chunk adds.
    public var delta: Delta
    /// Null until the last chunk.
    public var finishReason: String?

    enum CodingKeys: String, CodingKey {
      case index, delta
      case finishReason = "finish_reason"
    }

    /// Writes `finish_reason` as null when absent.
    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(index, forKey: .index)
      try c.encode(delta, forKey: .delta)
      try c.encode(finishReason, forKey: .finishReason)
    }
  }

  /// The id shared by every chunk of a response.
  public var id: String
  /// "chat.completion.chunk".
  public var object: String = "chat.completion.chunk"
  /// Unix seconds.
  public var created: Int
  /// The served model's id.
  public var model: String
  /// One choice, or none in the usage chunk.
  public var choices: [Choice]
  /// Token counts, in the last chunk when `stream_options.include_usage` is set.
  public var usage: Usage?
}

/// `GET /v1/models`.
public struct ModelList: Codable, Sendable {
  /// One model entry.
  public struct Entry: Codable, Sendable {
    /// The id clients send as `model`.
    public var id: String
    /// "model".
    public var object: String = "model"
    /// Unix seconds when the server loaded it.
    public var created: Int
    /// "unmask".
    public var ownedBy: String = "unmask"

    enum CodingKeys: String, CodingKey {
      case id, object, created
      case ownedBy = "owned_by"
    }
  }

  /// "list".
  public var object: String = "list"
  /// The served model.
  public var data: [Entry]
}
