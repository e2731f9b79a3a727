import Foundation

/// Everything a model needs, wherever it is stored: its `config.json`, its tokenizer files and
/// its weights.
///
/// `open` accepts a Hugging Face folder (config.json, tokenizer.json, tokenizer_config.json and
/// `model.safetensors` or a sharded `model.safetensors.index.json`) or a single `.safetensors`
/// file with config.json beside it, or a `.umk` file (which embeds them all), or a GGUF file
/// (whose metadata becomes config.json and the tokenizer files: `ModelBundle+GGUF.swift`).
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
  /// `generation_config.json`, when the checkpoint ships one (DiffusionGemma's sampler defaults).
  public var generationConfigJSON: Data?

  /// A bundle from its parts.
  public init(
    configJSON: Data, tokenizerJSON: Data?, tokenizerConfigJSON: Data?, weights: any TensorSource,
    location: URL, generationConfigJSON: Data? = nil
  ) {
    self.configJSON = configJSON
    self.tokenizerJSON = tokenizerJSON
    self.tokenizerConfigJSON = tokenizerConfigJSON
    self.weights = weights
    self.location = location
    self.generationConfigJSON = generationConfigJSON
  }

  /// Opens a model folder or weights file; errors name the path and the missing or bad part.
  public static func open(_ url: URL) throws -> ModelBundle {
    try open(url, tokenizer: nil)
  }

  /// Opens a model folder or weights file, as `open(_:)`; `tokenizer` (a tokenizer.json, or a folder holding one and its tokenizer_config.json),
  /// when given, replaces whatever tokenizer the checkpoint carries.
  public static func open(_ url: URL, tokenizer: URL?) throws -> ModelBundle {
    var bundle = try openCheckpoint(url, tokenizerGiven: tokenizer != nil)
    if let tokenizer {
      (bundle.tokenizerJSON, bundle.tokenizerConfigJSON) = try readTokenizer(tokenizer)
    }
    return bundle
  }

  private static func openCheckpoint(_ url: URL, tokenizerGiven: Bool) throws -> ModelBundle {
    switch try CheckpointKind.of(url) {
    case .folder: return try openFolder(url)
    case .umk: return try openUMK(url)
    case .gguf: return try openGGUF(url, tokenizerGiven: tokenizerGiven)
    case .safetensors:
      let folder = url.deletingLastPathComponent()
      return ModelBundle(
        configJSON: try readRequired(folder.appendingPathComponent("config.json")),
        tokenizerJSON: readOptional(folder.appendingPathComponent("tokenizer.json")),
        tokenizerConfigJSON: readOptional(folder.appendingPathComponent("tokenizer_config.json")),
        weights: try SafetensorsFile(url: url), location: url,
        generationConfigJSON: readOptional(folder.appendingPathComponent("generation_config.json")))
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
      location: url, generationConfigJSON: try file.blob(named: "generation_config.json"))
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
      weights: weights, location: folder,
      generationConfigJSON: readOptional(folder.appendingPathComponent("generation_config.json")))
  }

  /// tokenizer.json (and tokenizer_config.json beside it, if any) from a file or a folder.
  static func readTokenizer(_ url: URL) throws -> (Data, Data?) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw CheckpointError(path: url.path, "no such tokenizer file or folder")
    }
    let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent()
    let json = isDirectory.boolValue ? folder.appendingPathComponent("tokenizer.json") : url
    return (
      try readRequired(json, what: "a tokenizer folder needs its tokenizer.json"),
      readOptional(folder.appendingPathComponent("tokenizer_config.json"))
    )
  }

  private static func readRequired(
    _ url: URL, what: String = "a model needs its config.json"
  ) throws -> Data {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw CheckpointError(path: url.path, "missing (\(what))")
    }
    do { return try Data(contentsOf: url) } catch {
      throw CheckpointError(path: url.path, "cannot read")
    }
  }

  private static func readOptional(_ url: URL) -> Data? {
    try? Data(contentsOf: url)
  }
}
