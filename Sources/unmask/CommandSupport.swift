import Foundation

/// A problem found while running a command: printed as one line (`Error: ...`), exit 1.
struct CommandError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Parses `5,6,7` into token ids.
func parseTokenList(_ text: String, flag: String) throws -> [Int32] {
  guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
    throw CommandError("\(flag) is empty; give token ids separated by commas, e.g. 5,6,7")
  }
  let parts = text.split(separator: ",", omittingEmptySubsequences: false)
  var tokens: [Int32] = []
  for part in parts {
    let trimmed = part.trimmingCharacters(in: .whitespaces)
    guard let value = Int32(trimmed) else {
      throw CommandError(
        "\(flag): '\(trimmed)' is not a token id (expected integers separated by commas)")
    }
    tokens.append(value)
  }
  return tokens
}

/// Checks the raw command line before it is parsed: Swift repairs invalid UTF-8 in
/// `CommandLine.arguments` to U+FFFD, which would silently change a prompt, so every argument
/// must be valid UTF-8. Returns the 1-based index of the first bad argument, if any.
func firstNonUTF8Argument() -> Int? {
  for index in 1..<Int(CommandLine.argc) {
    guard let pointer = CommandLine.unsafeArgv[index] else { continue }
    if String(validatingCString: pointer) == nil { return index }
  }
  return nil
}

/// `--length -1` reaches the parser as two words, and argument-parser takes `-1` for a flag
/// ("Missing value for '--length'"). Joining a long option with a following negative number
/// (`--length=-1`) lets the option's own range check answer instead.
func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
  var result: [String] = []
  var index = 0
  while index < arguments.count {
    let argument = arguments[index]
    if argument.hasPrefix("--"), !argument.contains("="), index + 1 < arguments.count,
      arguments[index + 1].hasPrefix("-"), Double(arguments[index + 1]) != nil
    {
      result.append(argument + "=" + arguments[index + 1])
      index += 2
    } else {
      result.append(argument)
      index += 1
    }
  }
  return result
}
