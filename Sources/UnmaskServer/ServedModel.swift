import Foundation
import Unmask

/// The model a server answers with: network, tokenizer, special ids and context length.
///
/// A thin stand-in for the library's session layer (`ModelSession`): it loads a checkpoint the
/// way `unmask generate` does (same special-token lookup, same `llada` preset by default) so
/// the server returns exactly `generate`'s tokens for the same settings and seed.
public final class ServedModel: @unchecked Sendable {
  /// The id clients name in `model` (the folder or file name by default).
  public let name: String
  /// The network.
  public let model: any MaskedDiffusionModel
  /// The tokenizer; a server needs one to read and write text.
  public let tokenizer: Tokenizer
  /// The mask id.
  public let maskID: Int32
  /// End-of-sequence id, where known.
  public let eosID: Int32?
  /// End-of-turn id, where known.
  public let eotID: Int32?
  /// Longest canvas the model takes (`max_sequence_length` / `max_position_embeddings`).
  public let contextLength: Int?

  /// Wraps parts already loaded (tests build one from a fixture).
  public init(
    name: String, model: any MaskedDiffusionModel, tokenizer: Tokenizer, maskID: Int32,
    eosID: Int32?, eotID: Int32?, contextLength: Int?
  ) {
    self.name = name
    self.model = model
    self.tokenizer = tokenizer
    self.maskID = maskID
    self.eosID = eosID
    self.eotID = eotID
    self.contextLength = contextLength
  }

  /// Loads a model folder, `.safetensors` or `.umk` file, as `unmask generate --model` does.
  ///
  /// - Throws: `ServerSetupError` when there is no tokenizer or no mask id; checkpoint errors
  ///   as the loaders throw them.
  public static func load(path: String, name: String? = nil) throws -> ServedModel {
    let url = URL(fileURLWithPath: path)
    let bundle = try ModelBundle.open(url)
    let model = try ModelRegistry.load(bundle)
    guard let tokenizerJSON = bundle.tokenizerJSON else {
      throw ServerSetupError("\(path): no tokenizer.json; the server needs one to read and write text")
    }
    let tokenizer = try Tokenizer(
      tokenizerJSON: tokenizerJSON, tokenizerConfigJSON: bundle.tokenizerConfigJSON)
    // The same lookup as `unmask generate` (SpecialTokens in the CLI).
    let maskNames = ["<|mdm_mask|>", "<|mask|>", "[MASK]", "<mask>"]
    guard let mask = model.maskTokenID ?? maskNames.lazy.compactMap(tokenizer.tokenID).first
    else {
      throw ServerSetupError("\(path): config.json has no mask_token_id and the tokenizer has no mask token")
    }
    let eos = model.eosTokenID ?? ["<|endoftext|>", "</s>"].lazy.compactMap(tokenizer.tokenID).first
    let eot = ["<|eot_id|>", "<|im_end|>"].lazy.compactMap(tokenizer.tokenID).first
    let stem = url.deletingPathExtension().lastPathComponent
    return ServedModel(
      name: name ?? stem, model: model, tokenizer: tokenizer, maskID: mask, eosID: eos, eotID: eot,
      contextLength: contextLength(configJSON: bundle.configJSON))
  }

  /// `max_sequence_length` (LLaDA) or `max_position_embeddings` (Dream) from config.json.
  static func contextLength(configJSON: Data) -> Int? {
    guard let object = try? JSONSerialization.jsonObject(with: configJSON) as? [String: Any]
    else { return nil }
    for key in ["max_sequence_length", "max_position_embeddings"] {
      if let n = object[key] as? Int, n > 0 { return n }
    }
    return nil
  }

  /// `generate`'s starting point: the preset (LLaDA's by default) with this model's ids.
  public func settings(preset: PresetName?) -> DenoisingSettings {
    var s = DenoisingSettings.preset(preset ?? .llada)
    s.maskID = maskID
    s.eosID = eosID
    s.eotID = eotID
    return s
  }

  /// Encodes a prompt as `generate --prompt` does (with the tokenizer's special tokens).
  public func encode(_ text: String) -> [Int32] { tokenizer.encode(text) }

  /// Renders messages through the chat template and encodes them, as `generate --chat` does.
  ///
  /// - Throws: `APIError` 400 when the tokenizer has no chat template Unmask recognises.
  public func encodeChat(_ messages: [ChatMessage]) throws -> [Int32] {
    guard let template = tokenizer.chatTemplate else {
      throw APIError.badRequest(
        "model '\(name)' has no chat template Unmask recognises; use /v1/completions",
        param: "messages")
    }
    let text = template.render(messages, addGenerationPrompt: true)
    return tokenizer.encode(text, addSpecialTokens: false)
  }

  /// Decodes ids as `unmask detokenize` does (special tokens kept).
  public func decode(_ ids: [Int32]) -> String { tokenizer.decode(ids) }

  /// The vocabulary size the model scores (ids must lie below it).
  public var vocabularySize: Int { model.vocabularySize }

  /// Runs the denoiser: the same call `unmask generate` makes.
  public func generate(
    prompt: [Int32], settings: DenoisingSettings, observers: [DenoisingObserver]
  ) throws -> DenoisingResult {
    let denoiser = try Denoiser(model: model, settings: settings)
    return try denoiser.generate(prompt: prompt, observers: observers)
  }
}

/// A problem that keeps the server from starting (no tokenizer, no mask id, bad folder).
public struct ServerSetupError: Error, CustomStringConvertible {
  /// One line naming the file and the problem.
  public var description: String
  /// An error with that line.
  public init(_ description: String) { self.description = description }
}
