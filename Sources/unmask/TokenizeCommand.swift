import ArgumentParser
import Foundation
import Unmask

/// Options shared by `tokenize` and `detokenize`: where the tokenizer lives.
struct TokenizerLocation: ParsableArguments {
  @Option(
    name: .long,
    help:
      "A model folder holding tokenizer.json (and tokenizer_config.json), or a tokenizer.json file."
  )
  var model: String

  func validate() throws {
    guard FileManager.default.fileExists(atPath: model) else {
      throw ValidationError("--model \(model): no such file or folder")
    }
  }

  /// Loads the tokenizer, turning load errors into one-line CLI failures.
  func load() throws -> Tokenizer {
    do {
      return try Tokenizer(contentsOf: URL(fileURLWithPath: model))
    } catch {
      throw CLIFailure(message: "\(error)")
    }
  }
}

/// A failure reported as one line on standard error, with exit status 1.
struct CLIFailure: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

/// Line-oriented JSON I/O shared by the two commands.
enum JSONLines {
  /// Calls `body` with each line of standard input and its 1-based number; stops at the
  /// first error, reporting `line N: ...`.
  static func forEachLine(_ body: (String, Int) throws -> String) throws {
    var number = 0
    var out = FileHandle.standardOutput
    while let line = readLine(strippingNewline: true) {
      number += 1
      do {
        print(try body(line, number), to: &out)
      } catch let failure as CLIFailure {
        throw CLIFailure(message: "line \(number): \(failure.message)")
      }
    }
  }

  /// Parses one JSON value (any type at top level).
  static func parse(_ line: String) throws -> Any {
    do {
      return try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
    } catch {
      throw CLIFailure(message: "not valid JSON")
    }
  }

  /// Encodes a string as a JSON string literal.
  static func quote(_ text: String) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: try encoder.encode(text), as: UTF8.self)
  }

  /// Runs `body`, printing a `CLIFailure` as one line on standard error and exiting non-zero.
  static func reportingFailures(_ body: () throws -> Void) throws {
    do {
      try body()
    } catch let failure as CLIFailure {
      var err = FileHandle.standardError
      print("error: \(failure.message)", to: &err)
      throw ExitCode.failure
    }
  }
}

extension FileHandle: @retroactive TextOutputStream {
  /// Writes `string` as UTF-8, so `print(_:to:)` can target standard output and error.
  public func write(_ string: String) { write(Data(string.utf8)) }
}

/// `unmask tokenize`: one JSON string per input line → one JSON array of ids per output line,
/// as Hugging Face `tokenizers`' `encode(text).ids`.
struct TokenizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tokenize",
    abstract: "Encode text to token ids (one JSON string per stdin line → one JSON array per line)."
  )

  @OptionGroup var location: TokenizerLocation

  @Flag(name: .long, help: "Do not add the post-processor's special tokens (e.g. Llama-3's BOS).")
  var noSpecialTokens = false

  func run() throws {
    try JSONLines.reportingFailures {
      let tokenizer = try location.load()
      try JSONLines.forEachLine { line, _ in
        guard let text = try JSONLines.parse(line) as? String else {
          throw CLIFailure(message: "expected a JSON string")
        }
        let ids = tokenizer.encode(text, addSpecialTokens: !noSpecialTokens)
        return "[" + ids.map(String.init).joined(separator: ",") + "]"
      }
    }
  }
}
