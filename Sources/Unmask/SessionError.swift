/// Why a session cannot open a model or run a request; each message is one line naming the
/// model (or input) and the problem, for the CLI and the server to print as they are.
public struct SessionError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What was being opened or run (a path, a model name, a flag).
  public var subject: String
  /// What is wrong and, where it helps, what to do.
  public var problem: String

  /// An error about `subject`.
  public init(_ subject: String, _ problem: String) {
    self.subject = subject
    self.problem = problem
  }

  /// `subject: problem`.
  public var description: String { "\(subject): \(problem)" }
}
