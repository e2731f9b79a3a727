/// A forward pass request a predictor cannot run as asked.
public enum PredictorError: Error, CustomStringConvertible, Equatable {
  /// The request asks for what this predictor has no means to compute (a cached window from a
  /// predictor without a cache, a mask it does not implement).
  case unsupported(String)
  /// An attention mask whose sizes select no key.
  case invalidMask(String)

  /// One line for the user.
  public var description: String {
    switch self {
    case .unsupported(let message): return "the model cannot run this pass: \(message)"
    case .invalidMask(let message): return "invalid attention mask: \(message)"
    }
  }
}
