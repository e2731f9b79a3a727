import Foundation

/// What a checkpoint path holds, decided in one place for every reader (model loading,
/// conversion, inspection, tokenizers): a Hugging Face folder, a `.safetensors` file, a
/// `.umk` file or a GGUF file. A `.umk` or GGUF is recognised by its magic number as well as
/// its extension, so a renamed file still opens; a safetensors file by its extension (its
/// header is checked when it is opened).
public enum CheckpointKind: Sendable, Equatable {
  /// A folder: config.json, tokenizer files, `model.safetensors` or a sharded index.
  case folder
  /// One `.safetensors` file (config.json and tokenizer files, if any, beside it).
  case safetensors
  /// One `.umk` file, which embeds config and tokenizer files.
  case umk
  /// A GGUF file (llama.cpp's), or the first of a split one: config, tokenizer and weights
  /// from its metadata and tensors.
  case gguf

  /// The kind of `url`; the error names the path: missing, or none of the three.
  public static func of(_ url: URL) throws -> CheckpointKind {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw CheckpointError(path: url.path, "no such file or folder")
    }
    if isDirectory.boolValue { return .folder }
    if url.pathExtension == "umk" || UMKFile.hasMagic(url) { return .umk }
    if url.pathExtension == "gguf" || hasGGUFMagic(url) { return .gguf }
    if url.pathExtension == "safetensors" { return .safetensors }
    throw CheckpointError(path: url.path, "not a model folder, .safetensors, .umk or .gguf file")
  }

  /// Whether the file at `url` starts with `GGUF`.
  static func hasGGUFMagic(_ url: URL) -> Bool {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
    defer { try? handle.close() }
    return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
  }
}
