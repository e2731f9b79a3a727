/// Bad input to an experiment: a file, a line (1-based, when the problem is on one line), a field
/// and what is wrong; printed as one line by the CLI.
public struct ExperimentError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The file (or flag) the problem is in.
  public var source: String
  /// 1-based line number, when the problem is on one line of the file.
  public var line: Int?
  /// The field (JSON key, flag or setting), when there is one.
  public var field: String?
  /// What is wrong and what was expected.
  public var problem: String

  /// An error naming where the problem is.
  public init(source: String, line: Int? = nil, field: String? = nil, problem: String) {
    self.source = source
    self.line = line
    self.field = field
    self.problem = problem
  }

  /// `file:line: field 'x': problem`.
  public var description: String {
    var text = source
    if let line { text += ":\(line)" }
    text += ": "
    if let field { text += "field '\(field)': " }
    return text + problem
  }
}
