import Foundation

/// Decodes request bodies into the request types and turns every decoding failure into a 400
/// naming the field, so no body a client sends can do more than earn a JSON error.
public enum BodyDecoding {
  /// Decodes `T` from `data`; throws `APIError` 400 on anything malformed.
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    guard !data.isEmpty else { throw APIError.badRequest("the request body is empty; send JSON") }
    do {
      return try JSONDecoder().decode(T.self, from: data)
    } catch let error as APIError {
      throw error
    } catch let error as DecodingError {
      throw apiError(error)
    } catch {
      throw APIError.badRequest("the request body is not valid JSON")
    }
  }

  /// `a.b[2]` from a coding path.
  static func fieldName(_ path: [CodingKey]) -> String? {
    let parts = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
    guard !parts.isEmpty else { return nil }
    return parts.reduce("") { text, part in
      text.isEmpty || part.hasPrefix("[") ? text + part : text + "." + part
    }
  }

  /// A 400 naming the field the decoder stopped at.
  static func apiError(_ error: DecodingError) -> APIError {
    switch error {
    case .keyNotFound(let key, let context):
      let field = fieldName(context.codingPath + [key]) ?? key.stringValue
      return .badRequest("'\(field)' is required", param: field)
    case .typeMismatch(let type, let context):
      let field = fieldName(context.codingPath)
      return .badRequest(
        "'\(field ?? "body")' has the wrong type (expected \(describe(type)))", param: field)
    case .valueNotFound(let type, let context):
      let field = fieldName(context.codingPath)
      return .badRequest(
        "'\(field ?? "body")' is null (expected \(describe(type)))", param: field)
    case .dataCorrupted(let context):
      guard let field = fieldName(context.codingPath) else {
        return .badRequest("the request body is not valid JSON")
      }
      return .badRequest("'\(field)': \(context.debugDescription)", param: field)
    @unknown default:
      return .badRequest("the request body could not be read")
    }
  }

  /// A short name for a Swift type in an error message.
  static func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    case is Double.Type, is Float.Type: return "a number"
    case is Int.Type, is Int32.Type, is UInt64.Type: return "an integer"
    case is [Any].Type: return "an array"
    default: return "\(type)".contains("Array") ? "an array" : "an object or value of \(type)"
    }
  }
}

extension KeyedDecodingContainer {
  /// Decodes an enum by its raw string, failing with the list of accepted names.
  func decodeName<E: RawRepresentable & CaseIterable>(_ type: E.Type, forKey key: Key) throws
    -> E? where E.RawValue == String
  {
    guard let raw = try decodeIfPresent(String.self, forKey: key) else { return nil }
    guard let value = E(rawValue: raw) else {
      let names = E.allCases.map(\.rawValue).joined(separator: ", ")
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self, debugDescription: "'\(raw)' is not one of \(names)")
    }
    return value
  }
}
