import UnmaskCore
import UnmaskModels
import UnmaskTokenizer

/// The mask, end-of-sequence and end-of-turn ids of a model, resolved once: config.json
/// first, then the tokenizer's well-known token texts.
public struct SpecialTokens: Equatable, Sendable {
  /// The `[MASK]` id the sampler fills the canvas with.
  public var mask: Int32
  /// End of sequence (`<|endoftext|>`, `</s>`, or config.json's `eos_token_id`).
  public var eos: Int32?
  /// End of turn of chat models (`<|eot_id|>`, `<|im_end|>`).
  public var eot: Int32?
  /// The tokenizer's pad token (tokenizer_config.json's `pad_token`: transformers'
  /// `tokenizer.pad_token_id`, which Fast-dLLM v2 writes after a stop token).
  public var pad: Int32?

  /// Token texts recognised as the mask, in order of preference (`maskTokenTexts`).
  public static let maskTexts = maskTokenTexts
  /// Token texts recognised as end of sequence.
  public static let eosTexts = ["<|endoftext|>", "</s>"]
  /// Token texts recognised as end of turn.
  public static let eotTexts = ["<|eot_id|>", "<|im_end|>"]

  /// The mask id of a model without one (uniform-state diffusion): no token has it.
  public static let noMask = Int32.max

  /// Ids given directly.
  public init(mask: Int32, eos: Int32?, eot: Int32?, pad: Int32? = nil) {
    self.mask = mask
    self.eos = eos
    self.eot = eot
    self.pad = pad
  }

  /// The ids of `model` with `tokenizer`; `source` names the checkpoint in the error.
  public init(model: any MaskedDiffusionModel, tokenizer: Tokenizer?, source: String) throws {
    let fromTokenizer: ([String]) -> Int32? = { texts in
      texts.lazy.compactMap { tokenizer?.tokenID($0) }.first
    }
    if model.canvasDecoder != nil {
      // Uniform-state diffusion (DiffusionGemma) has no mask: its canvases start as noise.
      self.init(
        mask: Self.noMask, eos: model.eosTokenID ?? fromTokenizer(Self.eosTexts),
        eot: fromTokenizer(Self.eotTexts))
      return
    }
    guard let mask = model.maskTokenID ?? fromTokenizer(Self.maskTexts) else {
      throw SessionError(
        source,
        "config.json has no mask_token_id and the tokenizer has no mask token (\(Self.maskTexts.joined(separator: ", ")))"
      )
    }
    self.init(
      mask: mask, eos: model.eosTokenID ?? fromTokenizer(Self.eosTexts),
      eot: fromTokenizer(Self.eotTexts),
      pad: tokenizer?.config?.padToken.flatMap { tokenizer?.tokenID($0) })
  }

  /// The end tokens (EOS, EoT) that end generated text.
  public var stopIDs: Set<Int32> { Set([eos, eot].compactMap { $0 }) }
}
