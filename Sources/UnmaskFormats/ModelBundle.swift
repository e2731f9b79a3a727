import Foundation

/// Everything a model needs, wherever it is stored: its `config.json`, its tokenizer files and
/// its weights.
///
/// `open` accepts a Hugging Face folder (config.json, tokenizer.json, tokenizer_config.json and
/// `model.safetensors` or a sharded `model.safetensors.index.json`) or a single `.safetensors`
/// file with config.json beside it, or a `.umk` file (which embeds them all).
public struct ModelBundle {
  /// The model's `config.json`.
  public var configJSON: Data
  /// `tokenizer.json`, when the model ships one.
  public var tokenizerJSON: Data?
  /// `tokenizer_config.json` (chat template, special tokens), when present.
  public var tokenizerConfigJSON: Data?
  /// The weights.
  public var weights: any TensorSource
  /// What was opened.
  public var location: URL

  /// A bundle from its parts.
  public init(
    configJSON: Data, tokenizerJSON: Data?, tokenizerConfigJSON: Data?, weights: any TensorSource,
    location: URL
  ) {
    self.configJSON = configJSON
    self.tokenizerJSON = tokenizerJSON
    self.tokenizerConfigJSON = tokenizerConfigJSON
    self.weights = weights
    self.location = location
  }

  /// Opens a model folder or weights file; errors name the path and the missing or bad part.
  public static func open(_ url: URL) throws -> ModelBundle {
    switch try CheckpointKind.of(url) {
    case .folder: return try openFolder(url)
    case .umk: return try openUMK(url)
    case .safetensors:
      let folder = url.deletingLastPathComponent()
      return ModelBundle(
        configJSON: try readRequired(folder.appendingPathComponent("config.json")),
        tokenizerJSON: readOptional(folder.appendingPathComponent("tokenizer.json")),
        tokenizerConfigJSON: readOptional(folder.appendingPathComponent("tokenizer_config.json")),
        weights: try SafetensorsFile(url: url), location: url)
    }
  }

  /// A `.umk` file is a whole model: config and tokenizer files are embedded in it.
  private static func openUMK(_ url: URL) throws -> ModelBundle {
    let file = try UMKFile(url: url)
    guard let config = try file.blob(named: "config.json") else {
      throw CheckpointError(
        path: url.path, item: "config.json",
        "not embedded (convert from a folder with a config.json)")
    }
    return ModelBundle(
      configJSON: config, tokenizerJSON: try file.blob(named: "tokenizer.json"),
      tokenizerConfigJSON: try file.blob(named: "tokenizer_config.json"), weights: file,
      location: url)
  }

  private static func openFolder(_ folder: URL) throws -> ModelBundle {
    let index = folder.appendingPathComponent("model.safetensors.index.json")
    let single = folder.appendingPathComponent("model.safetensors")
    let weights: any TensorSource
    if FileManager.default.fileExists(atPath: index.path) {
      weights = try ShardedSafetensors(indexURL: index)
    } else if FileManager.default.fileExists(atPath: single.path) {
      weights = try SafetensorsFile(url: single)
    } else {
      let candidates =
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?
        .filter { $0.hasSuffix(".safetensors") }.sorted() ?? []
      guard candidates.count == 1 else {
        throw CheckpointError(
          path: folder.path,
          candidates.isEmpty
            ? "no weights: expected model.safetensors or model.safetensors.index.json"
            : "several .safetensors files and no model.safetensors.index.json to say how they fit")
      }
      weights = try SafetensorsFile(url: folder.appendingPathComponent(candidates[0]))
    }
    return ModelBundle(
      configJSON: try readRequired(folder.appendingPathComponent("config.json")),
      tokenizerJSON: readOptional(folder.appendingPathComponent("tokenizer.json")),
      tokenizerConfigJSON: readOptional(folder.appendingPathComponent("tokenizer_config.json")),
      weights: weights, location: folder)
  }

  private static func readRequired(_ url: URL) throws -> Data {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw CheckpointError(path: url.path, "missing (a model needs its config.json)")
    }
    do { return try Data(contentsOf: url) } catch {
      throw CheckpointError(path: url.path, "cannot read")
    }
  }

  private static func readOptional(_ url: URL) -> Data? {
    try? Data(contentsOf: url)
  }
}
