import Foundation

/// Builds the OpenAI response objects (whole or as stream chunks) from the outputs of a run.
struct ReplyBuilder: Sendable {
  /// Chat (`chat.completion`) or text (`text_completion`) objects.
  let chat: Bool
  /// The served model's id.
  let model: String
  /// Prompt tokens of the request, for `usage`.
  let promptTokens: Int
  /// `cmpl-...` / `chatcmpl-...`, shared by every chunk.
  let id: String
  /// Unix seconds.
  let created: Int

  init(chat: Bool, model: String, promptTokens: Int) {
    self.chat = chat
    self.model = model
    self.promptTokens = promptTokens
    let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    id = (chat ? "chatcmpl-" : "cmpl-") + suffix
    created = Int(Date().timeIntervalSince1970)
  }

  func usage(_ outputs: [CompletionOutput]) -> Usage {
    Usage(
      promptTokens: promptTokens,
      completionTokens: outputs.reduce(0) { $0 + $1.tokens.count })
  }

  /// The whole response.
  func whole(_ outputs: [CompletionOutput]) -> any Encodable {
    if chat {
      return ChatCompletionResponse(
        id: id, created: created, model: model,
        choices: outputs.enumerated().map { index, output in
          .init(
            index: index, message: .init(role: "assistant", content: output.text),
            finishReason: output.finishReason)
        },
        usage: usage(outputs))
    }
    return CompletionResponse(
      id: id, created: created, model: model,
      choices: outputs.enumerated().map { index, output in
        .init(text: output.text, index: index, finishReason: output.finishReason)
      },
      usage: usage(outputs))
  }

  /// The stream's data chunks, JSON-encoded: for chat, per choice, the role, the text and the
  /// finish reason; for text one chunk per choice; then the usage chunk when asked for.
  func chunks(_ outputs: [CompletionOutput], includeUsage: Bool) throws -> [Data] {
    let encoder = JSONCoding.encoder
    var chunks: [Data] = []
    if chat {
      func chunk(_ index: Int, _ delta: ChatCompletionChunk.Delta, _ reason: String?) throws
        -> Data
      {
        try encoder.encode(
          ChatCompletionChunk(
            id: id, created: created, model: model,
            choices: [.init(index: index, delta: delta, finishReason: reason)]))
      }
      for (index, output) in outputs.enumerated() {
        chunks.append(try chunk(index, .init(role: "assistant", content: ""), nil))
        chunks.append(try chunk(index, .init(content: output.text), nil))
        chunks.append(try chunk(index, .init(), output.finishReason))
      }
      if includeUsage {
        chunks.append(
          try encoder.encode(
            ChatCompletionChunk(
              id: id, created: created, model: model, choices: [], usage: usage(outputs))))
      }
    } else {
      for (index, output) in outputs.enumerated() {
        chunks.append(
          try encoder.encode(
            CompletionResponse(
              id: id, created: created, model: model,
              choices: [.init(text: output.text, index: index, finishReason: output.finishReason)]
            )))
      }
      if includeUsage {
        chunks.append(
          try encoder.encode(
            CompletionResponse(
              id: id, created: created, model: model, choices: [], usage: usage(outputs))))
      }
    }
    return chunks
  }
}
