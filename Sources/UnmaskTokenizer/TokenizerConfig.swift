import Foundation

/// The parts of a model's tokenizer_config.json (transformers' settings file) that Unmask uses:
/// the chat template and the names of the special tokens.
public struct TokenizerConfig: Sendable, Equatable {
  /// The Jinja chat template text (the default one when the file lists several).
  public let chatTemplate: String?
  /// The BOS token text (e.g. `<|startoftext|>` for LLaDA), if named.
  public let bosToken: String?
  /// The EOS token text, if named.
  public let eosToken: String?
  /// The padding token text, if named.
  public let padToken: String?
  /// The unknown token text, if named.
  public let unkToken: String?
  /// The mask token text, if named (LLaDA's `<|mdm_mask|>`, Dream's `<|mask|>`).
  public let maskToken: String?
  /// transformers' `tokenizer_class`, e.g. `Qwen2Tokenizer`.
  public let tokenizerClass: String?

  /// Parses tokenizer_config.json; `source` names it in errors.
  public init(data: Data, source: String = "tokenizer_config.json") throws {
    let root = try JSONNode.parse(data, file: source)
    _ = try root.members()
    chatTemplate = try Self.template(root["chat_template"])
    bosToken = try Self.tokenText(root["bos_token"])
    eosToken = try Self.tokenText(root["eos_token"])
    padToken = try Self.tokenText(root["pad_token"])
    unkToken = try Self.tokenText(root["unk_token"])
    maskToken = try Self.tokenText(root["mask_token"])
    tokenizerClass = try root["tokenizer_class"]?.string()
  }

  /// Builds a config by hand (tests, or models whose settings come from elsewhere).
  public init(
    chatTemplate: String? = nil, bosToken: String? = nil, eosToken: String? = nil,
    padToken: String? = nil, unkToken: String? = nil, maskToken: String? = nil,
    tokenizerClass: String? = nil
  ) {
    self.chatTemplate = chatTemplate
    self.bosToken = bosToken
    self.eosToken = eosToken
    self.padToken = padToken
    self.unkToken = unkToken
    self.maskToken = maskToken
    self.tokenizerClass = tokenizerClass
  }

  /// A special token is written either as a string or as an AddedToken object with `content`.
  private static func tokenText(_ node: JSONNode?) throws -> String? {
    guard let node else { return nil }
    if let text = node.stringValue { return text }
    return try node.required("content").string()
  }

  /// `chat_template` is a string, or a list of `{name, template}` of which `default` is used.
  private static func template(_ node: JSONNode?) throws -> String? {
    guard let node else { return nil }
    if let text = node.stringValue { return text }
    let entries = try node.array()
    for entry in entries where try entry["name"]?.string() == "default" {
      return try entry.required("template").string()
    }
    return try entries.first?.required("template").string()
  }
}
