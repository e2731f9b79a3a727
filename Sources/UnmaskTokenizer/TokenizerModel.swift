/// The model stage of tokenizer.json: turns one pre-tokenized piece into ids, and owns the
/// vocabulary.
public protocol TokenizerModel: Sendable {
  /// Appends the ids of `piece` (already pre-tokenized, e.g. byte-level mapped) to `output`.
  func tokenize(_ piece: String, into output: inout [Int32])
  /// The id of `token` in the model's vocabulary.
  func tokenID(_ token: String) -> Int32?
  /// The vocabulary entry for `id`.
  func token(for id: Int32) -> String?
  /// One more than the largest id in the vocabulary.
  var vocabularySize: Int { get }
}

/// The model `type` values this module understands; the JSON `type` picks the case.
/// Adding one: write a type conforming to `TokenizerModel` and add a case here.
public enum TokenizerModelType: String, CaseIterable, Sendable {
  /// Byte-pair encoding with a merge list.
  case bpe = "BPE"

  /// Builds the model described by `node`.
  static func make(_ node: JSONNode) throws -> any TokenizerModel {
    // Older files leave out `type` for BPE; tokenizers then infers it from the fields.
    let name = try node["type"]?.string() ?? (node["merges"] != nil ? "BPE" : "")
    guard let kind = TokenizerModelType(rawValue: name) else {
      throw TokenizerError.unsupportedType(
        file: node.file, field: node.path + ".type", type: name, supported: allCases.map(\.rawValue)
      )
    }
    switch kind {
    case .bpe: return try BPEModel(node)
    }
  }
}
