import UnmaskCore

/// RoPE's settings in a Hugging Face config.json, wherever transformers put them.
///
/// transformers 4.x writes `rope_theta`, `rope_scaling` and `partial_rotary_factor` at the top.
/// transformers 5 writes one `rope_parameters` object (`rope_type`, `rope_theta`,
/// `partial_rotary_factor`) instead, and for its own classes (Qwen2, Qwen3) drops the top-level
/// keys, so a checkpoint re-saved with it has no `rope_theta` at all. Reading only the old key
/// would fall back to the class default (10,000) and give wrong logits without a word.
public struct HuggingFaceRoPE: Equatable, Sendable {
  /// `rope_theta`: `rope_parameters`'s, else the top-level one; nil when neither is written.
  public var theta: Double?
  /// `partial_rotary_factor`: `rope_parameters`'s, else the top-level one; nil when neither.
  public var partialRotaryFactor: Double?
  /// A scaling other than the default (`linear`, `yarn`, ...) and where it was written; only
  /// the default is computed, so validation refuses it.
  public var unsupportedScaling: Scaling?

  /// A RoPE scaling found in config.json.
  public struct Scaling: Equatable, Sendable {
    /// The field it was found in: `rope_scaling` or `rope_parameters`.
    public var field: String
    /// Its `rope_type` (or the older `type`).
    public var type: String
  }
}

extension KeyedDecodingContainer {
  /// The RoPE settings under `theta` (`rope_theta`), `scaling` (`rope_scaling`), `parameters`
  /// (`rope_parameters`) and, where the family has one, `partialRotaryFactor`.
  ///
  /// A scaling object whose type is `default` is the default RoPE, as in transformers. A
  /// `rope_parameters` theta that contradicts the top-level one is an error naming the field:
  /// the two transformers versions would read different models from that file.
  func decodeRoPE(theta: Key, scaling: Key, parameters: Key, partialRotaryFactor: Key? = nil)
    throws -> HuggingFaceRoPE
  {
    let topTheta = try decodeIfPresent(Double.self, forKey: theta)
    let topFactor = try partialRotaryFactor.flatMap { try decodeIfPresent(Double.self, forKey: $0) }
    let scalingValue = try decodeIfPresent(JSONValue.self, forKey: scaling) ?? .null
    let parametersValue = try decodeIfPresent(JSONValue.self, forKey: parameters) ?? .null

    func bad(_ key: Key, _ problem: String) -> DecodingError {
      DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: problem)
    }
    func scalingType(_ value: JSONValue, _ key: Key) throws -> HuggingFaceRoPE.Scaling? {
      if value == .null { return nil }
      guard let object = value.objectValue else { throw bad(key, "must be an object or null") }
      if object.values.contains(where: { $0.objectValue != nil }) {
        return .init(field: key.stringValue, type: "per layer type")
      }
      let type = object["rope_type"]?.stringValue ?? object["type"]?.stringValue ?? "default"
      return type == "default" ? nil : .init(field: key.stringValue, type: type)
    }

    var rope = HuggingFaceRoPE(theta: topTheta, partialRotaryFactor: topFactor)
    rope.unsupportedScaling =
      try scalingType(scalingValue, scaling) ?? scalingType(parametersValue, parameters)
    if let nested = parametersValue.objectValue {
      if let value = nested["rope_theta"] {
        guard let nestedTheta = value.doubleValue else {
          throw bad(parameters, "rope_theta must be a number")
        }
        if let topTheta, topTheta != nestedTheta {
          throw bad(
            parameters, "rope_theta \(nestedTheta) contradicts the top-level rope_theta \(topTheta)"
          )
        }
        rope.theta = nestedTheta
      }
      if let value = nested["partial_rotary_factor"] {
        guard let factor = value.doubleValue else {
          throw bad(parameters, "partial_rotary_factor must be a number")
        }
        rope.partialRotaryFactor = factor
      }
    }
    return rope
  }
}
