import Foundation

/// The tokenizer a GGUF carries in its metadata, rewritten as the `tokenizer.json` and
/// `tokenizer_config.json` Hugging Face would have shipped, so the one `Tokenizer` reads both.
///
/// From `tokenizer.ggml.*`: `model` (only `gpt2`, byte-level BPE), `tokens`, `token_type`
/// (3 CONTROL becomes a special added token, 4 USER_DEFINED a plain added token), `merges`,
/// `pre` (the pre-tokenizer, by llama.cpp's name; see `GGUFPreTokenizer`), `add_bos_token` with
/// `bos_token_id`, and `tokenizer.chat_template`. This is what
/// scripts/fixtures/make_gguf_vocab_fixtures.py does in Python, and the tests check the
/// result against tokenizer.json on the same goldens.
public struct GGUFTokenizer {
  /// The synthesized tokenizer.json.
  public var tokenizerJSON: Data
  /// The synthesized tokenizer_config.json (special token texts, chat template).
  public var tokenizerConfigJSON: Data

  /// Whether `file` carries tokenizer metadata at all (`tokenizer.ggml.model`).
  public static func isPresent(in file: GGUFFile) -> Bool {
    file.value("tokenizer.ggml.model") != nil
  }

  /// Rewrites `file`'s tokenizer metadata; errors name the file and the key.
  public init(file: GGUFFile) throws {
    let path = file.location
    func refuse(_ key: String, _ problem: String) -> CheckpointError {
      CheckpointError(path: path, item: key, problem)
    }
    guard let model = file.value("tokenizer.ggml.model")?.stringValue else {
      throw refuse("tokenizer.ggml.model", "missing: the file carries no tokenizer")
    }
    guard model == "gpt2" else {
      throw refuse(
        "tokenizer.ggml.model",
        "'\(model)' is not supported yet (only 'gpt2', byte-level BPE); give --tokenizer PATH")
    }
    let tokens = try Self.strings(file, "tokenizer.ggml.tokens", required: true)
    let merges = try Self.strings(file, "tokenizer.ggml.merges", required: false)
    let types = file.value("tokenizer.ggml.token_type")?.arrayValue?.map { $0.intValue ?? 1 }
    if let types, types.count != tokens.count {
      throw refuse(
        "tokenizer.ggml.token_type", "has \(types.count) entries for \(tokens.count) tokens")
    }
    let preName = file.value("tokenizer.ggml.pre")?.stringValue ?? "default"
    guard let pre = GGUFPreTokenizer(name: preName) else {
      throw refuse(
        "tokenizer.ggml.pre",
        "pre-tokenizer '\(preName)' is not supported (known: \(GGUFPreTokenizer.knownNames)); give --tokenizer PATH"
      )
    }
    var vocab: [String: Int] = [:]
    var added: [[String: Any]] = []
    for (id, token) in tokens.enumerated() {
      if vocab[token] == nil { vocab[token] = id }
      let type = types?[id] ?? 1
      if type == 3 || type == 4 {
        added.append([
          "id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false,
          "normalized": false, "special": type == 3,
        ])
      }
    }
    let bosID = file.value("tokenizer.ggml.bos_token_id")?.intValue
    // Without the key, llama.cpp's default for the pre-tokenizer (llama-vocab.cpp: Llama-3's
    // adds BOS), which older files such as its ggml-vocab-llama-bpe.gguf rely on.
    let addBOS = file.value("tokenizer.ggml.add_bos_token")?.boolValue ?? pre.addsBOSByDefault
    let bos = bosID.flatMap { tokens.indices.contains($0) ? tokens[$0] : nil }
    let byteLevel: [String: Any] = [
      "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true,
    ]
    var postProcessor = byteLevel.merging(["trim_offsets": false]) { $1 }
    if addBOS, let bos, let bosID {
      postProcessor = Self.prependingBOS(bos, id: bosID, after: postProcessor)
    }
    let root: [String: Any] = [
      "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
      "normalizer": pre.normalizer ?? NSNull(), "pre_tokenizer": pre.preTokenizer,
      "post_processor": postProcessor, "decoder": byteLevel,
      "model": [
        "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(),
        "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(), "fuse_unk": false,
        "byte_fallback": false, "ignore_merges": pre.ignoresMerges, "vocab": vocab,
        "merges": merges,
      ] as [String: Any],
    ]
    var config: [String: Any] = ["add_bos_token": addBOS]
    for (key, field) in [("bos", "bos_token"), ("eos", "eos_token"), ("padding", "pad_token")] {
      if let id = file.value("tokenizer.ggml.\(key)_token_id")?.intValue,
        tokens.indices.contains(id)
      {
        config[field] = tokens[id]
      }
    }
    if let template = file.value("tokenizer.chat_template")?.stringValue {
      config["chat_template"] = template
    }
    tokenizerJSON = try JSONSerialization.data(withJSONObject: root)
    tokenizerConfigJSON = try JSONSerialization.data(withJSONObject: config)
  }

  /// `tokenizers`' TemplateProcessing that puts `bos` before every sequence, after `first`.
  private static func prependingBOS(_ bos: String, id: Int, after first: [String: Any])
    -> [String: Any]
  {
    let special = ["SpecialToken": ["id": bos, "type_id": 0] as [String: Any]]
    func sequence(_ name: String, _ type: Int) -> [String: Any] {
      ["Sequence": ["id": name, "type_id": type] as [String: Any]]
    }
    return [
      "type": "Sequence",
      "processors": [
        first,
        [
          "type": "TemplateProcessing", "single": [special, sequence("A", 0)],
          "pair": [
            special, sequence("A", 0),
            ["SpecialToken": ["id": bos, "type_id": 1] as [String: Any]], sequence("B", 1),
          ],
          "special_tokens": [bos: ["id": bos, "ids": [id], "tokens": [bos]] as [String: Any]],
        ] as [String: Any],
      ],
    ]
  }

  /// An array of strings under `key`.
  private static func strings(_ file: GGUFFile, _ key: String, required: Bool) throws -> [String] {
    guard let value = file.value(key) else {
      if required { throw CheckpointError(path: file.location, item: key, "missing") }
      return []
    }
    guard let array = value.arrayValue, case let strings = array.compactMap(\.stringValue),
      strings.count == array.count
    else {
      throw CheckpointError(
        path: file.location, item: key, "must be an array of strings, not \(value.typeName)")
    }
    return strings
  }
}
