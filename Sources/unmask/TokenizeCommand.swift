import ArgumentParser
import Foundation
import Unmask

/// Options shared by `tokenize` and `detokenize`: where the tokenizer lives.
struct TokenizerLocation: ParsableArguments {
  @Option(
    name: .long,
    help:
      "A model folder holding tokenizer.json (and tokenizer_config.json), a tokenizer.json file, a .umk file, or a name from `unmask models`."
  )
  var model: String

  /// Loads the tokenizer, turning load errors into one-line CLI failures.
  func load() throws -> Tokenizer {
    let url = try ModelReference.resolve(model)
    // A tokenizer.json file is a tokenizer location too, so only a .umk is told apart here.
    if let kind = try? CheckpointKind.of(url), kind == .umk || kind == .gguf {
      let bundle = try ModelBundle.open(url)
      guard let json = bundle.tokenizerJSON else {
        throw CommandError("\(model): the file embeds no tokenizer.json")
      }
      return try Tokenizer(
        tokenizerJSON: json, tokenizerConfigJSON: bundle.tokenizerConfigJSON, source: model)
    }
    do {
      return try Tokenizer(contentsOf: url)
    } catch {
      throw CommandError("\(error)")
    }
  }
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
      } catch let failure as CommandError {
        throw CommandError("line \(number): \(failure.description)")
      }
    }
  }

  /// Parses one JSON value (any type at top level).
  static func parse(_ line: String) throws -> Any {
    do {
      return try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
    } catch {
      throw CommandError("not valid JSON")
    }
  }

  /// Encodes a string as a JSON string literal.
  static func quote(_ text: String) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: try encoder.encode(text), as: UTF8.self)
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
    let tokenizer = try location.load()
    try JSONLines.forEachLine { line, _ in
      guard let text = try JSONLines.parse(line) as? String else {
        throw CommandError("expected a JSON string")
      }
      let ids = tokenizer.encode(text, addSpecialTokens: !noSpecialTokens)
      return "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
  }
}
