import Foundation
import UnmaskCore

/// A byte-level BPE tokenizer.json (with tokenizer_config.json) as the `tokenizer.ggml.*`
/// metadata llama.cpp's `convert_hf_to_gguf.py` writes for it (`get_vocab_base`, then
/// `SpecialVocab`): one token per id up to the model's vocabulary (missing ids as `[PAD<id>]`,
/// UNUSED), token types (special added tokens CONTROL, other added ones USER_DEFINED), merges
/// as `"a b"`, and the pre-tokenizer by llama.cpp's name, recognised from the split regex (the
/// inverse of `GGUFPreTokenizer`). The reader (`GGUFTokenizer`) turns it back into the same
/// tokenizer.
struct GGUFVocabulary {
  /// The metadata entries, in the converter's order.
  var metadata: [(key: String, value: GGUFValue)] = []

  /// - Parameters:
  ///   - vocabularySize: tokens to write (the model's embedding rows).
  ///   - config: config.json, for special ids it names.
  ///   - addBOS: `tokenizer.ggml.add_bos_token` where the architecture fixes it (LLaDA: true).
  init(
    tokenizerJSON: Data, tokenizerConfigJSON: Data?, config: [String: Any], vocabularySize: Int,
    addBOS: Bool?, path: String
  ) throws {
    func refuse(_ problem: String) -> CheckpointError {
      CheckpointError(path: path, item: "tokenizer.json", problem)
    }
    guard let root = try JSONSerialization.jsonObject(with: tokenizerJSON) as? [String: Any],
      let model = root["model"] as? [String: Any]
    else { throw refuse("not a tokenizer.json object with a model") }
    guard model["type"] as? String == "BPE", let vocab = model["vocab"] as? [String: Int] else {
      throw refuse(
        "a GGUF holds byte-level BPE tokenizers only; this model is \(model["type"] ?? "unknown")")
    }
    guard let pre = Self.preTokenizerName(root["pre_tokenizer"]) else {
      throw refuse(
        "its pre-tokenizer is none llama.cpp names that Unmask knows (\(GGUFPreTokenizer.knownNames))"
      )
    }
    var tokens = [String?](repeating: nil, count: vocabularySize)
    var types = [Int32](repeating: 1, count: vocabularySize)  // NORMAL
    for (token, id) in vocab where id >= 0 && id < vocabularySize { tokens[id] = token }
    for case let added as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
      guard let id = added["id"] as? Int, let content = added["content"] as? String,
        id >= 0, id < vocabularySize
      else { continue }
      tokens[id] = content
      types[id] = (added["special"] as? Bool ?? true) ? 3 : 4  // CONTROL : USER_DEFINED
    }
    let largest = (vocab.values.max() ?? -1)
    if largest >= vocabularySize {
      throw refuse("token id \(largest) is outside the model's \(vocabularySize) embedding rows")
    }
    var names: [String] = []
    for id in 0..<vocabularySize {
      if let token = tokens[id] {
        names.append(token)
      } else {
        names.append("[PAD\(id)]")
        types[id] = 5  // UNUSED
      }
    }
    let merges: [String] = (model["merges"] as? [Any] ?? []).compactMap {
      if let pair = $0 as? [String], pair.count == 2 { return "\(pair[0]) \(pair[1])" }
      return $0 as? String
    }
    metadata = [
      ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string(pre)),
      ("tokenizer.ggml.tokens", .array(names.map { .string($0) })),
      ("tokenizer.ggml.token_type", .array(types.map { .signed(Int64($0), bits: 32) })),
      ("tokenizer.ggml.merges", .array(merges.map { .string($0) })),
    ]
    let tokenizerConfig =
      tokenizerConfigJSON.flatMap { try? JSONSerialization.jsonObject(with: $0) }
      as? [String: Any] ?? [:]
    let idOf = { (field: String) -> Int? in
      // tokenizer_config.json names the token ("bos_token": "<s>" or {"content": "<s>"}).
      let text =
        tokenizerConfig[field] as? String
        ?? (tokenizerConfig[field] as? [String: Any])?["content"] as? String
      return text.flatMap { t in names.firstIndex(of: t) }
    }
    for (key, field, configKey) in [
      ("bos", "bos_token", "bos_token_id"), ("eos", "eos_token", "eos_token_id"),
      ("padding", "pad_token", "pad_token_id"), ("mask", "mask_token", "mask_token_id"),
    ] {
      let fromConfig = (config[configKey] as? Int).flatMap { $0 < vocabularySize ? $0 : nil }
      // A mask named nowhere is the tokenizer's own mask token, as Unmask's loaders find it.
      let id =
        key == "mask"
        ? fromConfig ?? idOf(field) ?? maskTokenTexts.lazy.compactMap(names.firstIndex).first
        : idOf(field) ?? fromConfig
      if let id {
        metadata.append(("tokenizer.ggml.\(key)_token_id", .unsigned(UInt64(id), bits: 32)))
      }
    }
    var adds = Self.addedSpecialTokens(root["post_processor"])
    for key in ["bos", "eos"] where adds[key] == nil {
      adds[key] = tokenizerConfig["add_\(key)_token"] as? Bool
    }
    if let addBOS { adds["bos"] = addBOS }
    for key in ["bos", "eos"] {
      if let flag = adds[key] { metadata.append(("tokenizer.ggml.add_\(key)_token", .bool(flag))) }
    }
    if let template = tokenizerConfig["chat_template"] as? String {
      metadata.append(("tokenizer.chat_template", .string(template)))
    }
  }

  /// Whether the tokenizer adds BOS / EOS, as gguf-py's `SpecialVocab` reads its
  /// post-processor: a ByteLevel stage adds neither; a TemplateProcessing adds the special
  /// tokens that start and end its single-sequence template. Unset when neither says.
  static func addedSpecialTokens(_ postProcessor: Any?) -> [String: Bool] {
    guard let post = postProcessor as? [String: Any] else { return [:] }
    var adds: [String: Bool] = [:]
    for case let stage as [String: Any] in post["processors"] as? [Any] ?? [post] {
      switch stage["type"] as? String {
      case "ByteLevel":
        if adds["bos"] == nil { adds["bos"] = false }
        if adds["eos"] == nil { adds["eos"] = false }
      case "TemplateProcessing":
        let single = stage["single"] as? [[String: Any]] ?? []
        adds["bos"] = single.count > 1 && single.first?["SpecialToken"] != nil
        adds["eos"] = single.count > 1 && single.last?["SpecialToken"] != nil
      default:
        break
      }
    }
    return adds
  }

  /// llama.cpp's name for a tokenizer.json `pre_tokenizer`: GPT-2's built-in ByteLevel regex,
  /// or a Split by Llama-3's or Qwen2's regex before a regex-free ByteLevel.
  static func preTokenizerName(_ pre: Any?) -> String? {
    guard let pre = pre as? [String: Any] else { return nil }
    if pre["type"] as? String == "ByteLevel" {
      return pre["use_regex"] as? Bool ?? true ? "gpt-2" : nil
    }
    guard pre["type"] as? String == "Sequence",
      let stages = pre["pretokenizers"] as? [[String: Any]], stages.count == 2,
      stages[0]["type"] as? String == "Split",
      let regex = (stages[0]["pattern"] as? [String: Any])?["Regex"] as? String,
      stages[1]["type"] as? String == "ByteLevel"
    else { return nil }
    switch regex {
    case GGUFPreTokenizer.llama3Pattern: return "llama-bpe"
    case GGUFPreTokenizer.qwen2Pattern: return "qwen2"
    default: return nil
    }
  }
}
