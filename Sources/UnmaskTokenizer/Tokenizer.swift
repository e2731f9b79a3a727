import Foundation

/// A Hugging Face `tokenizers` tokenizer loaded from tokenizer.json, reproducing
/// `Tokenizer.encode(text).ids` and `decode(ids)` for byte-level BPE models (GPT-2, Qwen2 /
/// Dream, Llama-3 / LLaDA).
///
/// Encoding runs the stages in `tokenizers`' order:
/// 1. split the raw text on added tokens with `normalized: false`;
/// 2. normalize each remaining piece, then split it on added tokens with `normalized: true`;
/// 3. pre-tokenize the remaining pieces and run the model on each;
/// 4. if `addSpecialTokens`, let the post-processor add BOS/EOS.
///
/// Thread-safe: `encode` and `decode` may be called from several threads at once.
public final class Tokenizer: @unchecked Sendable {
  /// The normalizer, if the file has one.
  public let normalizer: (any Normalizer)?
  /// The pre-tokenizer, if the file has one.
  public let preTokenizer: (any PreTokenizer)?
  /// The model (BPE).
  public let model: any TokenizerModel
  /// The decoder, if the file has one.
  public let decoder: (any TokenDecoder)?
  /// The post-processor, if the file has one.
  public let postProcessor: (any PostProcessor)?
  /// The `added_tokens` of the file, in file order.
  public let addedTokens: [AddedToken]
  /// Settings from tokenizer_config.json, when one was given.
  public let config: TokenizerConfig?

  private let rawMatcher: AddedTokenMatcher
  private let normalizedMatcher: AddedTokenMatcher
  private let addedByID: [Int32: AddedToken]
  private let addedByContent: [[UInt8]: Int32]

  /// Loads `url`: a tokenizer.json file, or a model folder holding tokenizer.json (and, if
  /// present, tokenizer_config.json next to it).
  public convenience init(contentsOf url: URL) throws {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
    let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent()
    let file = isDirectory.boolValue ? url.appendingPathComponent("tokenizer.json") : url
    guard exists else {
      throw TokenizerError.unreadable(file: url.path, reason: "no such file or folder")
    }
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw TokenizerError.unreadable(file: file.path, reason: error.localizedDescription)
    }
    let configURL = folder.appendingPathComponent("tokenizer_config.json")
    // A missing tokenizer_config.json is fine; an unreadable or malformed one is an error.
    var config: Data?
    if FileManager.default.fileExists(atPath: configURL.path) {
      do {
        config = try Data(contentsOf: configURL)
      } catch {
        throw TokenizerError.unreadable(file: configURL.path, reason: error.localizedDescription)
      }
    }
    try self.init(
      tokenizerJSON: data, tokenizerConfigJSON: config, source: file.path,
      configSource: configURL.path)
  }

  /// Loads a tokenizer.json held in memory; `source` names it in errors.
  public convenience init(data: Data, source: String) throws {
    try self.init(tokenizerJSON: data, tokenizerConfigJSON: nil, source: source)
  }

  /// Loads tokenizer.json (and optionally tokenizer_config.json) from bytes, e.g. embedded in
  /// a model container; `source` and `configSource` name them in errors.
  public init(
    tokenizerJSON: Data, tokenizerConfigJSON: Data?, source: String = "tokenizer.json",
    configSource: String = "tokenizer_config.json"
  ) throws {
    let root = try JSONNode.parse(tokenizerJSON, file: source)
    _ = try root.members()
    normalizer = try root["normalizer"].map(NormalizerType.make)
    preTokenizer = try root["pre_tokenizer"].map(PreTokenizerType.make)
    model = try TokenizerModelType.make(root.required("model"))
    decoder = try root["decoder"].map(DecoderType.make)
    postProcessor = try root["post_processor"].map(PostProcessorType.make)
    config = try tokenizerConfigJSON.map { try TokenizerConfig(data: $0, source: configSource) }

    var added: [AddedToken] = []
    for item in try root["added_tokens"]?.array() ?? [] {
      let id = try item.required("id").int()
      guard id >= 0 && id < Int(Int32.max) else {
        throw try item.required("id").invalid("an id in 0..<2^31")
      }
      added.append(
        AddedToken(
          id: Int32(id), content: try item.required("content").string(),
          singleWord: try item.bool("single_word", default: false),
          lstrip: try item.bool("lstrip", default: false),
          rstrip: try item.bool("rstrip", default: false),
          normalized: try item.bool("normalized", default: true),
          special: try item.bool("special", default: false)))
    }
    addedTokens = added
    specialTokenIDs = Set(added.filter(\.special).map(\.id))
    addedByID = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    addedByContent = Dictionary(
      added.map { (Array($0.content.utf8), $0.id) }, uniquingKeysWith: { first, _ in first })
    rawMatcher = AddedTokenMatcher(tokens: added.filter { !$0.normalized }, pattern: \.content)
    let normalizer = self.normalizer
    normalizedMatcher = AddedTokenMatcher(tokens: added.filter(\.normalized)) {
      normalizer?.normalize($0.content) ?? $0.content
    }
  }

  /// The ids of `text`, as `tokenizers`' `encode(text, add_special_tokens=...).ids`.
  /// Added tokens written in the text (e.g. `<|im_start|>`) map to their ids.
  public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int32] {
    var ids: [Int32] = []
    ids.reserveCapacity(text.utf8.count / 3 + 4)
    var raw: [Segment] = []
    rawMatcher.split(Substring(text), into: &raw)
    var inner: [Segment] = []
    var pieces: [String] = []
    for segment in raw {
      switch segment {
      case .token(let id):
        ids.append(id)
      case .text(let piece):
        let normalized = normalizer?.normalize(String(piece)) ?? String(piece)
        inner.removeAll(keepingCapacity: true)
        normalizedMatcher.split(Substring(normalized), into: &inner)
        for sub in inner {
          switch sub {
          case .token(let id):
            ids.append(id)
          case .text(let word):
            pieces.removeAll(keepingCapacity: true)
            if let preTokenizer {
              preTokenizer.split(String(word), into: &pieces)
            } else {
              pieces.append(String(word))
            }
            for p in pieces { model.tokenize(p, into: &ids) }
          }
        }
      }
    }
    if addSpecialTokens, let postProcessor { return postProcessor.process(ids) }
    return ids
  }

  /// The text of `ids`, as `tokenizers`' `decode(ids, skip_special_tokens=...)`. Unknown ids
  /// are left out.
  public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
    var tokens: [String] = []
    tokens.reserveCapacity(ids.count)
    for id in ids {
      if let added = addedByID[id] {
        if skipSpecialTokens && added.special { continue }
        tokens.append(added.content)
      } else if let token = model.token(for: id) {
        if skipSpecialTokens, let addedID = addedByContent[Array(token.utf8)],
          addedByID[addedID]?.special == true
        {
          continue
        }
        tokens.append(token)
      }
    }
    guard let decoder else { return tokens.joined(separator: " ") }
    return decoder.decodeChain(tokens).joined()
  }

  /// The id of `token` (added tokens first, then the model's vocabulary).
  public func tokenID(_ token: String) -> Int32? {
    addedByContent[Array(token.utf8)] ?? model.tokenID(token)
  }

  /// The token string for `id` (in the model's alphabet, e.g. `Ġhello`), or nil.
  public func token(for id: Int32) -> String? {
    addedByID[id]?.content ?? model.token(for: id)
  }

  /// One more than the largest id among the model's vocabulary and the added tokens: the
  /// number of rows an embedding table needs.
  public var vocabularySize: Int {
    max(model.vocabularySize, Int(addedTokens.map(\.id).max() ?? -1) + 1)
  }

  /// The ids of the added tokens marked `special`.
  public let specialTokenIDs: Set<Int32>

  /// The chat template for this tokenizer: recognised from tokenizer_config.json's
  /// `chat_template`, else nil.
  public var chatTemplate: ChatTemplate? {
    config.flatMap { ChatTemplate(config: $0) }
  }
}
