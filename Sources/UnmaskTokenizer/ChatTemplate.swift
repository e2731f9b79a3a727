import Foundation

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
  /// `system`, `user` or `assistant`.
  public var role: String
  /// The text of the turn.
  public var content: String

  /// A message with the given role and content.
  public init(role: String, content: String) {
    self.role = role
    self.content = content
  }
}

/// The chat formats Unmask can render without a Jinja engine.
public enum ChatFormat: String, CaseIterable, Sendable {
  /// Llama-3's header format, used by LLaDA-8B-Instruct:
  /// `{bos}<|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>`.
  case llama3
  /// ChatML as Qwen2 writes it, used by Dream-v0-Instruct-7B:
  /// `<|im_start|>{role}\n{content}<|im_end|>\n`, with a default system turn first.
  case chatML = "chatml"
  /// Gemma's turns, used by DiffusionGemma:
  /// `{bos}<start_of_turn>{user|model}\n{content | trim}<end_of_turn>\n`; a leading system
  /// message's content opens the first user turn followed by a blank line (Gemma 3's template;
  /// Gemma 2's refuses system messages).
  case gemma
}

/// Renders a conversation into the prompt text an instruct model was trained on, matching
/// transformers' `apply_chat_template(messages, tokenize=False, add_generation_prompt=...)`
/// byte for byte for the templates it recognises. A full Jinja engine is out of scope: the
/// template text is only inspected to pick the format and its constants.
public struct ChatTemplate: Sendable, Equatable {
  /// The format.
  public let format: ChatFormat
  /// Text put before the first message (Llama-3 format: the BOS token; `""` for none).
  public let bosToken: String
  /// ChatML: the system turn inserted when the first message is not a system message
  /// (nil inserts none).
  public let defaultSystemPrompt: String?
  /// Llama-3 format: whether message contents are stripped of surrounding whitespace (Jinja
  /// `| trim`).
  public let trimsContent: Bool

  /// A template with explicit settings.
  public init(
    format: ChatFormat, bosToken: String = "", defaultSystemPrompt: String? = nil,
    trimsContent: Bool = true
  ) {
    self.format = format
    self.bosToken = bosToken
    self.defaultSystemPrompt = defaultSystemPrompt
    self.trimsContent = trimsContent
  }

  /// LLaDA-8B-Instruct's template (Llama-3's, with `<|startoftext|>` as BOS).
  public static let llada = ChatTemplate(format: .llama3, bosToken: "<|startoftext|>")

  /// Dream-v0-Instruct-7B's template (Qwen2's ChatML with "You are a helpful assistant.").
  public static let dream = ChatTemplate(
    format: .chatML, defaultSystemPrompt: "You are a helpful assistant.")

  /// Recognises the format of `config.chatTemplate`; nil when there is none or it is not one
  /// of the known shapes.
  public init?(config: TokenizerConfig) {
    guard let text = config.chatTemplate else { return nil }
    self.init(jinja: text, bosToken: config.bosToken)
  }

  /// Recognises a Jinja chat template's format and constants; `bosToken` is what the
  /// template's `bos_token` variable holds.
  public init?(jinja text: String, bosToken: String?) {
    if text.contains("<|start_header_id|>") && text.contains("<|eot_id|>") {
      // Llama-3.1+ templates (tools, dates) are different beasts; only the plain one is known.
      guard !text.contains("Cutting Knowledge Date") else { return nil }
      let bos: String
      if text.contains("bos_token") {
        bos = bosToken ?? ""
      } else if text.contains("<|begin_of_text|>") {
        bos = "<|begin_of_text|>"
      } else {
        bos = ""
      }
      self.init(
        format: .llama3, bosToken: bos,
        trimsContent: text.contains("| trim") || text.contains("|trim"))
    } else if text.contains("<start_of_turn>") && text.contains("<end_of_turn>") {
      self.init(format: .gemma, bosToken: text.contains("bos_token") ? bosToken ?? "" : "")
    } else if text.contains("<|im_start|>") {
      self.init(format: .chatML, defaultSystemPrompt: Self.chatMLDefaultSystem(text))
    } else {
      return nil
    }
  }

  /// The literal default system prompt in a ChatML template: the text between
  /// `<|im_start|>system\n` and `<|im_end|>` inside a string literal.
  static func chatMLDefaultSystem(_ text: String) -> String? {
    for marker in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
      var search = text[...]
      while let start = search.range(of: marker) {
        let rest = search[start.upperBound...]
        if let end = rest.range(of: "<|im_end|>") {
          let body = rest[..<end.lowerBound]
          if !body.contains("'") && !body.contains("\"") && !body.contains("{") {
            return body.replacingOccurrences(of: "\\n", with: "\n")
          }
        }
        search = rest
      }
    }
    return nil
  }

  /// The prompt text for `messages`; with `addGenerationPrompt`, ends with the header that
  /// opens the assistant's turn.
  public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
    var out = ""
    switch format {
    case .llama3:
      for (index, message) in messages.enumerated() {
        if index == 0 { out += bosToken }
        let content = trimsContent ? Self.pythonStrip(message.content) : message.content
        out += "<|start_header_id|>\(message.role)<|end_header_id|>\n\n\(content)<|eot_id|>"
      }
      if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
    case .chatML:
      for (index, message) in messages.enumerated() {
        if index == 0, message.role != "system", let system = defaultSystemPrompt {
          out += "<|im_start|>system\n\(system)<|im_end|>\n"
        }
        out += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
      }
      if addGenerationPrompt { out += "<|im_start|>assistant\n" }
    case .gemma:
      out += bosToken
      var turns = messages[...]
      var prefix = ""
      if let first = turns.first, first.role == "system" {
        prefix = first.content + "\n\n"
        turns = turns.dropFirst()
      }
      for (index, message) in turns.enumerated() {
        let role = message.role == "assistant" ? "model" : message.role
        out += "<start_of_turn>\(role)\n" + (index == 0 ? prefix : "")
        out += Self.pythonStrip(message.content) + "<end_of_turn>\n"
      }
      if addGenerationPrompt { out += "<start_of_turn>model\n" }
    }
    return out
  }

  /// Python's `str.strip()` (Jinja's `trim`): removes characters for which `isspace()` holds.
  static func pythonStrip(_ text: String) -> String {
    func isSpace(_ s: Unicode.Scalar) -> Bool {
      s.isHFWhitespace || (0x1C...0x1F).contains(s.value)
    }
    var scalars = Substring(text).unicodeScalars
    while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
    while let last = scalars.last, isSpace(last) { scalars.removeLast() }
    return String(scalars)
  }
}
