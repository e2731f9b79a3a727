import Foundation
import Unmask

/// The model a server answers with: a `ModelSession` (model, tokenizer, special ids, context
/// length, preset) and the id clients send as `model`.
///
/// Everything goes through the session, as `unmask generate` does, so the server returns
/// exactly `generate`'s tokens for the same settings and seed.
public final class ServedModel: @unchecked Sendable {
  /// The id clients name in `model` (the model folder's or file's name by default).
  public let name: String
  /// The loaded session.
  public let session: ModelSession

  /// Serves `session` as `name`.
  public init(session: ModelSession, name: String) {
    self.session = session
    self.name = name
  }

  /// Opens `reference` (folder, .safetensors, .umk, cache snapshot or catalog name).
  ///
  /// - Throws: `SessionError` (one line naming the model) when it cannot be opened or has no
  ///   tokenizer: a server reads and writes text.
  public static func load(_ reference: String, name: String? = nil) throws -> ServedModel {
    let session = try ModelSession.open(reference)
    _ = try session.requireTokenizer()
    let stem = session.location.deletingPathExtension().lastPathComponent
    return ServedModel(session: session, name: name ?? stem)
  }

  /// Decodes ids as `unmask detokenize` does (special tokens kept); ids the tokenizer does
  /// not know come out as `#id` rather than failing a finished run.
  public func decode(_ ids: [Int32]) -> String {
    (try? session.decode(ids)) ?? ids.map(session.tokenText).joined()
  }
}
