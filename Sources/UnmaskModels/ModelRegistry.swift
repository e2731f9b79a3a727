import Foundation
import UnmaskFormats

/// Maps config.json's `model_type` to the architecture that reads it.
///
/// Adding an architecture is one file conforming to `MaskedDiffusionModel` plus one entry here.
public enum ModelRegistry {
  /// Every architecture Unmask implements.
  public static let architectures: [any MaskedDiffusionModel.Type] = [
    LLaDAModel.self, DreamModel.self,
    SDARModel.self, FastDLLMv2Model.self, A2DQwen3Model.self,
  ]

  /// The `model_type` values Unmask knows, sorted.
  public static var knownModelTypes: [String] { architectures.flatMap { $0.modelTypes }.sorted() }

  /// Loads the model in `bundle`, choosing the architecture from config.json's `model_type`.
  public static func load(_ bundle: ModelBundle) throws -> any MaskedDiffusionModel {
    let path = bundle.location.path
    struct Header: Decodable {
      var model_type: String?
      var architectures: [String]?
    }
    guard let header = try? JSONDecoder().decode(Header.self, from: bundle.configJSON) else {
      throw ModelError.invalidConfig(path: path, field: "config.json", problem: "not a JSON object")
    }
    guard let type = header.model_type else {
      throw ModelError.invalidConfig(path: path, field: "model_type", problem: "missing")
    }
    guard let architecture = architectures.first(where: { $0.modelTypes.contains(type) }) else {
      throw ModelError.unknownArchitecture(path: path, modelType: type, known: knownModelTypes)
    }
    return try architecture.init(
      configJSON: bundle.configJSON, configPath: path, weights: WeightLoader(source: bundle.weights)
    )
  }

  /// Opens `url` (folder, .safetensors, or any container `ModelBundle` reads) and loads it.
  public static func load(contentsOf url: URL) throws -> any MaskedDiffusionModel {
    try load(ModelBundle.open(url))
  }
}
