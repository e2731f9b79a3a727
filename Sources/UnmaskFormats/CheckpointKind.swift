import Foundation

/// What a checkpoint path holds, decided in one place for every reader (model loading,
/// conversion, inspection, tokenizers): a Hugging Face folder, a `.safetensors` file or a
/// `.umk` file. A `.umk` is recognised by its magic number as well as its extension, so a
/// renamed file still opens; a safetensors file by its extension (its header is checked when
/// it is opened).
public enum CheckpointKind: Sendable, Equatable {
  /// A folder: config.json, tokenizer files, `model.safetensors` or a sharded index.
  case folder
  /// One `.safetensors` file (config.json and tokenizer files, if any, beside it).
  case safetensors
  /// One `.umk` file, which embeds config and tokenizer files.
  case umk

  /// The kind of `url`; the error names the path: missing, or none of the three.
  public static func of(_ url: URL) throws -> CheckpointKind {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw CheckpointError(path: url.path, "no such file or folder")
    }
    if isDirectory.boolValue { return .folder }
    if url.pathExtension == "umk" || UMKFile.hasMagic(url) { return .umk }
    if url.pathExtension == "safetensors" { return .safetensors }
    throw CheckpointError(path: url.path, "not a model folder, .safetensors or .umk file")
  }
}
