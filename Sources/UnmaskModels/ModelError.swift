import Foundation

/// A request the model cannot serve: the canvas itself is wrong, not the checkpoint.
public enum ModelError: Error, CustomStringConvertible, Equatable {
  /// The canvas has no tokens.
  case emptyCanvas
  /// A token id outside the embedding table.
  case tokenOutOfRange(token: Int32, position: Int, vocabularySize: Int)
  /// config.json names an architecture no file in UnmaskModels implements.
  case unknownArchitecture(path: String, modelType: String, known: [String])
  /// config.json is not valid for its architecture.
  case invalidConfig(path: String, field: String, problem: String)

  /// One line for the command-line tool.
  public var description: String {
    switch self {
    case .emptyCanvas:
      return "the token sequence is empty; give at least one token"
    case .tokenOutOfRange(let token, let position, let size):
      return "token \(token) at position \(position) is outside the vocabulary (0..<\(size))"
    case .unknownArchitecture(let path, let type, let known):
      return "\(path): unknown model_type '\(type)' (supported: \(known.joined(separator: ", ")))"
    case .invalidConfig(let path, let field, let problem):
      return "\(path): '\(field)': \(problem)"
    }
  }

  /// config.json decoded as `type`. A value of the wrong kind becomes one line naming its
  /// field (`eos_token_id`, `rope_parameters`), anything else one naming config.json.
  static func decode<Configuration: Decodable>(
    _ type: Configuration.Type, from configJSON: Data, path: String
  ) throws -> Configuration {
    do {
      return try JSONDecoder().decode(type, from: configJSON)
    } catch let error as DecodingError {
      var context: DecodingError.Context?
      switch error {
      case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
        context = c
      case .dataCorrupted(let c): context = c
      @unknown default: context = nil
      }
      guard let context, !context.codingPath.isEmpty else {
        throw ModelError.invalidConfig(path: path, field: "config.json", problem: "\(error)")
      }
      throw ModelError.invalidConfig(
        path: path, field: context.codingPath.map(\.stringValue).joined(separator: "."),
        problem: context.debugDescription)
    } catch {
      throw ModelError.invalidConfig(path: path, field: "config.json", problem: "\(error)")
    }
  }

  /// Validates a canvas against a vocabulary of `size` rows.
  static func check(_ tokens: [Int32], vocabularySize size: Int) throws {
    guard !tokens.isEmpty else { throw ModelError.emptyCanvas }
    for (position, token) in tokens.enumerated() where token < 0 || Int(token) >= size {
      throw ModelError.tokenOutOfRange(token: token, position: position, vocabularySize: size)
    }
  }
}
