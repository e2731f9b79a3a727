import Foundation
import UnmaskFormats

/// What the registry reads of config.json to choose an architecture: `model_type`, the
/// `architectures` list and the names of the top-level fields.
public struct ConfigHeader: Sendable, Equatable {
  /// `model_type`, if present.
  public var modelType: String?
  /// `architectures` (the Python class names), empty if absent.
  public var architectures: [String]
  /// Every top-level key of config.json.
  public var fields: Set<String>

  /// A header from its parts.
  public init(modelType: String?, architectures: [String] = [], fields: Set<String> = []) {
    self.modelType = modelType
    self.architectures = architectures
    self.fields = fields
  }

  /// Reads the header of `configJSON`; nil when it is not a JSON object.
  public init?(configJSON: Data) {
    guard let object = try? JSONSerialization.jsonObject(with: configJSON) as? [String: Any]
    else { return nil }
    modelType = object["model_type"] as? String
    architectures = object["architectures"] as? [String] ?? []
    fields = Set(object.keys)
  }
}

/// Chooses the architecture that reads a config.json.
///
/// `model_type` alone is not enough: LLaDA-MoE's published config.json says `llada`, as dense
/// LLaDA's does (dllm's copy says `lladamoe`). So the `architectures` list is checked first
/// (`MaskedDiffusionModel.architectureNames`), then each architecture, in the order of
/// `architectures`, may claim the header (`claims(_:)`, by default: its `modelTypes` contain
/// `model_type`). Adding an architecture is one file conforming to `MaskedDiffusionModel` plus
/// one entry here, before any architecture whose claim would also match.
public enum ModelRegistry {
  /// Every architecture Unmask implements, in the order their claims are tried.
  public static let architectures: [any MaskedDiffusionModel.Type] = [
    LLaDAMoEModel.self, LLaDA2MoeModel.self, LLaDAModel.self, DreamModel.self,
    SDARModel.self, FastDLLMv2Model.self, A2DQwen3Model.self, MDLMModel.self, BD3LMModel.self,
    DiffusionGemmaModel.self,
  ]

  /// The `model_type` values Unmask knows, sorted.
  public static var knownModelTypes: [String] {
    Array(Set(architectures.flatMap { $0.modelTypes })).sorted()
  }

  /// The architecture that reads `header`: the first whose `architectureNames` meet the
  /// header's `architectures`, else the first that claims it; nil if none does.
  public static func architecture(for header: ConfigHeader) -> (any MaskedDiffusionModel.Type)? {
    let named = Set(header.architectures)
    if let byName = architectures.first(where: { !named.isDisjoint(with: $0.architectureNames) }) {
      return byName
    }
    return architectures.first { $0.claims(header) }
  }

  /// Loads the model in `bundle`, choosing the architecture from config.json (`architecture(for:)`).
  public static func load(_ bundle: ModelBundle) throws -> any MaskedDiffusionModel {
    let path = bundle.location.path
    guard let header = ConfigHeader(configJSON: bundle.configJSON) else {
      throw ModelError.invalidConfig(path: path, field: "config.json", problem: "not a JSON object")
    }
    guard let architecture = architecture(for: header) else {
      guard let type = header.modelType else {
        throw ModelError.invalidConfig(path: path, field: "model_type", problem: "missing")
      }
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
