import Foundation
import Unmask

/// The sampler's fields of a request body: `unmask generate`'s flags in snake_case, which are
/// the keys of `DenoisingSettings`' JSON (`block_length`, `strategy`, `threshold`, ...), plus
/// `preset`. They are applied over the model's preset by the library's own
/// `DenoisingSettings.applying(_:)`, the path the command line and sweeps take.
///
/// `temperature`, `top_p` and `seed` are OpenAI's fields and settings keys at once;
/// `max_tokens` becomes `length`. Keys that are not settings are OpenAI's or unknown and are
/// ignored here; `null` means "not given".
public struct SamplerOverrides: Sendable {
  /// `preset`: llada, dream or fast-dllm (nil: the architecture's).
  public var preset: PresetName?
  /// The settings keys the body gave.
  public var values: [String: JSONValue]

  /// Flag names that differ from the settings key they set.
  static let aliases = ["early_stop": "stop_when_block_complete"]
  /// Keys a request may not set: the length is `max_tokens`, the ids are the model's.
  static let reserved: Set<String> = ["length", "mask_id", "eos_id", "eot_id", "more_end_ids"]

  /// Picks the sampler keys out of a body object.
  ///
  /// - Throws: `APIError` 400 for an unknown `preset` or a reserved key.
  public init(body: [String: JSONValue]) throws {
    if let value = body["preset"], value != .null {
      guard case .string(let name) = value, let preset = PresetName(rawValue: name) else {
        let names = PresetName.allCases.map(\.rawValue).joined(separator: ", ")
        throw APIError.badRequest("'preset' must be one of \(names)", param: "preset")
      }
      self.preset = preset
    }
    var values: [String: JSONValue] = [:]
    let settingsKeys = DenoisingSettings.allKeys
    for (key, value) in body where value != .null {
      let name = Self.aliases[key] ?? key
      if Self.reserved.contains(name) {
        throw APIError.badRequest(
          "'\(key)' is set by the server (use max_tokens for the length)", param: key)
      }
      if settingsKeys.contains(name) { values[name] = value }
    }
    self.values = values
  }

  /// `base` (the model's preset, `ModelSession.settings(preset:)`) with these overrides and
  /// `length` applied by the library, validated; also refuses runs where some step could commit
  /// nothing, as `unmask generate` does.
  ///
  /// - Throws: `APIError` 400 naming the field (`block_length`, ...).
  public func settings(base: DenoisingSettings, length: Int?) throws -> DenoisingSettings {
    var overrides = values
    if let length { overrides["length"] = .integer(length) }
    do {
      let settings = try base.applying(overrides)
      try settings.checkEveryStepCanCommit()
      return settings
    } catch let error as SamplingError {
      throw APIError.badRequest(error.description, param: Self.param(for: error))
    }
  }

  /// The body field a library error names (`block-length` -> `block_length`).
  static func param(for error: SamplingError) -> String? {
    let field: String
    switch error {
    case .invalidSetting(let name, _): field = name
    // The kind is the key's description: "strategy", "rounding rule", "confidence precision".
    case .unknownName(let kind, _, _):
      field = kind.replacingOccurrences(of: " rule", with: "").replacingOccurrences(
        of: " ", with: "_")
    default: return nil
    }
    let key = field.replacingOccurrences(of: "-", with: "_")
    switch key {
    case "length": return "max_tokens"
    case "stop_when_block_complete": return "early_stop"
    default: return key
    }
  }
}
