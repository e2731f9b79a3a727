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
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "Token ids, comma separated, e.g. 5,6,7.")
  var tokens: String

  @Option(help: "Output .npy file.")
  var out: String

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
