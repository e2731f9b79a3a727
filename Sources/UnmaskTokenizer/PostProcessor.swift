/// The post-processor stage of tokenizer.json: adds the special tokens around an encoded
/// sequence when `add_special_tokens` is true (BOS for Llama-3/LLaDA; nothing for GPT-2 and
/// Qwen2, whose `ByteLevel` post-processor only trims offsets).
public protocol PostProcessor: Sendable {
  /// The ids of a single sequence with its special tokens added.
  func process(_ ids: [Int32]) -> [Int32]
}

/// The post-processor `type` values this module understands; the JSON `type` picks the case.
/// Adding one: write a struct conforming to `PostProcessor` and add a case here.
public enum PostProcessorType: String, CaseIterable, Sendable {
  /// Offsets only; ids unchanged.
  case byteLevel = "ByteLevel"
  /// A template such as `<s> $A </s>`.
  case templateProcessing = "TemplateProcessing"
  /// `cls $A sep` (RoBERTa).
  case robertaProcessing = "RobertaProcessing"
  /// `cls $A sep` (BERT).
  case bertProcessing = "BertProcessing"
  /// Several post-processors applied in order.
  case sequence = "Sequence"

  /// Builds the post-processor described by `node`.
  static func make(_ node: JSONNode) throws -> any PostProcessor {
    let name = try node.typeName()
    guard let kind = PostProcessorType(rawValue: name) else {
      throw TokenizerError.unsupportedType(
        file: node.file, field: node.path + ".type", type: name, supported: allCases.map(\.rawValue)
      )
    }
    switch kind {
    case .byteLevel: return IdentityPostProcessor()
    case .templateProcessing: return try TemplatePostProcessor(node)
    case .robertaProcessing, .bertProcessing:
      func id(_ key: String) throws -> Int32 {
        let pair = try node.required(key).array()
        guard pair.count == 2 else { throw try node.required(key).invalid("[token, id]") }
        return Int32(try pair[1].int())
      }
      return FixedPostProcessor(prefix: [try id("cls")], suffix: [try id("sep")])
    case .sequence:
      return SequencePostProcessor(stages: try node.required("processors").array().map(make))
    }
  }
}

/// Leaves ids unchanged.
struct IdentityPostProcessor: PostProcessor {
  func process(_ ids: [Int32]) -> [Int32] { ids }
}

/// Adds fixed ids before and after.
struct FixedPostProcessor: PostProcessor {
  let prefix: [Int32]
  let suffix: [Int32]
  func process(_ ids: [Int32]) -> [Int32] { prefix + ids + suffix }
}

/// TemplateProcessing's `single` template: special tokens (each may stand for several ids)
/// around the sequence `$A`.
struct TemplatePostProcessor: PostProcessor {
  enum Piece { case sequence, special([Int32]) }
  let pieces: [Piece]

  init(_ node: JSONNode) throws {
    let specials = node["special_tokens"]
    var pieces: [Piece] = []
    for item in try node.required("single").array() {
      if item["Sequence"] != nil {
        pieces.append(.sequence)
      } else if let special = item["SpecialToken"] {
        let name = try special.required("id").string()
        guard let entry = specials?[name] else {
          throw TokenizerError.invalidField(
            file: node.file, field: node.path + ".special_tokens",
            expected: "an entry for '\(name)', which the template uses")
        }
        pieces.append(.special(try entry.required("ids").array().map { Int32(try $0.int()) }))
      } else {
        throw item.invalid("{\"Sequence\": ...} or {\"SpecialToken\": ...}")
      }
    }
    self.pieces = pieces
  }

  func process(_ ids: [Int32]) -> [Int32] {
    var out: [Int32] = []
    out.reserveCapacity(ids.count + pieces.count)
    for piece in pieces {
      switch piece {
      case .sequence: out.append(contentsOf: ids)
      case .special(let special): out.append(contentsOf: special)
      }
    }
    return out
  }
}

/// Applies its stages in order.
struct SequencePostProcessor: PostProcessor {
  let stages: [any PostProcessor]
  func process(_ ids: [Int32]) -> [Int32] {
    stages.reduce(ids) { $1.process($0) }
  }
}
