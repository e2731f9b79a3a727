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
      predicts position i from row i-1). Use --raw for the network's own rows.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "Token ids, comma separated, e.g. 5,6,7.")
  var tokens: String

  @Option(help: "Output .npy file.")
  var out: String

  @Flag(help: "Write the network's unshifted rows (differs from the default for Dream only).")
  var raw = false

  func run() throws {
    let ids = try parseTokenList(tokens, flag: "--tokens")
    let session = try modelOptions.open()
    let logits: Matrix
    if raw, let dream = session.model as? DreamModel {
      try session.checkVocabulary(ids)
      logits = try dream.rawLogits(for: ids)
    } else {
      logits = try session.logits(for: ids)
    }
    let data = NumPyFile.float32(logits.values, shape: [logits.rows, logits.columns])
    try writeAtomically(data, to: out)
  }
}

/// Writes `data` to `path` through the library's `AtomicFileWriter` (temporary file beside it,
/// then rename), so an interrupted run never leaves a half-written file.
func writeAtomically(_ data: Data, to path: String) throws {
  try AtomicFileWriter.write(data, to: URL(fileURLWithPath: path))
}
