import ArgumentParser
import Foundation
import Unmask

/// `unmask logits`: one forward pass, written as a NumPy array.
struct LogitsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "logits",
    abstract: "Run one forward pass and write float32 logits [T, V] as .npy.",
    discussion: """
      Row i holds the prediction for position i, already shifted for Dream (whose network \
      predicts position i from row i-1). Use --raw for the network's own rows. MDLM and BD3-LM \
      take the noise level --sigma (default 0), as their reference forward(indices, sigma) \
      does; a checkpoint without time conditioning zeroes it, as the reference does. Their \
      output is every column of the backbone, the mask's included (SUBS is the sampler's).

      DiffusionGemma decodes a canvas after an encoded prompt: --prompt-tokens P --tokens \
      CANVAS gives the canvas's logits [C, V] (soft-capped) after the encoder has read P, \
      optionally self-conditioned on a previous step's logits (--self-conditioning PREV.npy, \
      float32 [C, V]).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "Token ids, comma separated, e.g. 5,6,7.")
  var tokens: String

  @Option(help: "Output .npy file.")
  var out: String

  @Option(
    help:
      "DiffusionGemma: the prompt the encoder reads before the canvas --tokens is decoded (ids, comma separated)."
  )
  var promptTokens: String?

  @Option(
    help:
      "DiffusionGemma: the previous step's logits (float32 .npy [C, V]) the canvas is self-conditioned on."
  )
  var selfConditioning: String?

  @Flag(help: "Write the network's unshifted rows (differs from the default for Dream only).")
  var raw = false

  @Option(
    help:
      "Attention mask: full, block-causal (--block-length) or sliding (--window). Default: the model's own."
  )
  var attention: AttentionMaskName?

  @Option(help: "Block size of --attention block-causal.")
  var blockLength: Int?

  @Option(help: "Window of --attention sliding: position i sees j with |i - j| < W.")
  var window: Int?

  @Option(
    help:
      "Noise level sigma given to a time-conditioned DiT (MDLM, BD3-LM). Refused for models without a noise input."
  )
  var sigma: Double?

  func validate() throws {
    switch attention {
    case .blockCausal?:
      guard let blockLength, blockLength >= 1 else {
        throw ValidationError("--attention block-causal needs --block-length of at least 1")
      }
    case .sliding?:
      guard let window, window >= 1 else {
        throw ValidationError("--attention sliding needs --window of at least 1")
      }
    case .full?, nil: break
    }
    if blockLength != nil && attention != .blockCausal {
      throw ValidationError("--block-length applies to --attention block-causal only")
    }
    if window != nil && attention != .sliding {
      throw ValidationError("--window applies to --attention sliding only")
    }
    if let sigma, !(sigma.isFinite && sigma >= 0) {
      throw ValidationError("--sigma must be a finite number >= 0, got \(sigma)")
    }
    if selfConditioning != nil && promptTokens == nil {
      throw ValidationError("--self-conditioning needs --prompt-tokens (DiffusionGemma's decoder)")
    }
    if promptTokens != nil && (attention != nil || sigma != nil || raw) {
      throw ValidationError(
        "--prompt-tokens (DiffusionGemma's decoder) takes no --attention, --sigma or --raw")
    }
  }

  /// The mask the flags name, or nil for the model's own.
  var mask: AttentionMask? {
    switch attention {
    case .full?: return .full
    case .blockCausal?: return .blockCausal(blockLength: blockLength ?? 1)
    case .sliding?: return .slidingWindow(size: window ?? 1)
    case nil: return nil
    }
  }

  func run() throws {
    let ids = try parseTokenList(tokens, flag: "--tokens")
    let session = try modelOptions.open()
    if let promptTokens {
      try writeDecoderLogits(
        session: session, prompt: try parseTokenList(promptTokens, flag: "--prompt-tokens"),
        canvas: ids)
      return
    }
    if session.model.canvasDecoder != nil {
      throw ValidationError(
        "\(session.architecture) decodes a canvas after a prompt: give --prompt-tokens")
    }
    if let sigma {
      switch session.model.noiseLevelInput {
      case .none:
        throw ValidationError(
          "--sigma: \(session.architecture) takes no noise level (only MDLM and BD3-LM do)")
      case .ignored where sigma != 0:
        let note =
          "note: this \(session.architecture) checkpoint has no time conditioning; sigma \(sigma) is zeroed, as its reference does\n"
        FileHandle.standardError.write(Data(note.utf8))
      case .ignored, .conditioned: break
      }
    }
    let logits = try session.logits(for: ids, mask: mask, raw: raw, sigma: sigma ?? 0)
    let data = NumPyFile.float32(logits.values, shape: [logits.rows, logits.columns])
    try writeAtomically(data, to: out)
  }
}

extension LogitsCommand {
  /// DiffusionGemma: encode `prompt`, decode `canvas` after it (self-conditioned on the logits
  /// in `--self-conditioning`, if given), write `[C, V]`.
  func writeDecoderLogits(session: ModelSession, prompt: [Int32], canvas: [Int32]) throws {
    guard let decoder = session.model.canvasDecoder else {
      throw ValidationError(
        "--prompt-tokens: \(session.architecture) is a masked-diffusion model with no prompt encoder;"
          + " give the whole canvas in --tokens")
    }
    var previous: Matrix?
    if let path = selfConditioning {
      let array = try NumPyFile.readFloat32(
        Data(contentsOf: URL(fileURLWithPath: path)), source: path)
      guard array.shape == [canvas.count, decoder.vocabularySize] else {
        throw ValidationError(
          "\(path): self-conditioning logits of shape \(array.shape), expected [\(canvas.count), \(decoder.vocabularySize)]"
        )
      }
      previous = Matrix(rows: canvas.count, columns: decoder.vocabularySize, values: array.values)
    }
    let prefix = decoder.makePrefix(positions: prompt.count + canvas.count)
    try decoder.encode(prompt, into: prefix)
    let logits = try decoder.decode(canvas, after: prefix, selfConditioning: previous)
    try writeAtomically(
      NumPyFile.float32(logits.values, shape: [logits.rows, logits.columns]), to: out)
  }
}

/// The masks `unmask logits --attention` names.
enum AttentionMaskName: String, CaseIterable, ExpressibleByArgument {
  case full
  case blockCausal = "block-causal"
  case sliding
}

/// Writes `data` to `path` through the library's `AtomicFileWriter` (temporary file beside it,
/// then rename), so an interrupted run never leaves a half-written file.
func writeAtomically(_ data: Data, to path: String) throws {
  try AtomicFileWriter.write(data, to: URL(fileURLWithPath: path))
}
