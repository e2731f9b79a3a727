import ArgumentParser
import Foundation
import Unmask

/// The `unmask` command-line tool: run, convert and trace masked-diffusion language models.
@main
struct UnmaskCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unmask",
    abstract: "Run, convert and trace masked-diffusion language models (LLaDA, Dream).",
    version: "0.1.0",
    subcommands: [
      GenerateCommand.self,
      LogitsCommand.self,
      TokenizeCommand.self,
      DetokenizeCommand.self,
      TraceCommand.self,
      ServeCommand.self,
      BenchCommand.self,
      ConvertCommand.self,
      InspectCommand.self,
      VerifyCommand.self,
      ExportCommand.self,
      EvalCommand.self,
      ScoreCommand.self,
      ModelsCommand.self,
      SweepCommand.self,
    ]
  )

  /// Runs the tool. `--trace` may stand without a folder (argument-parser options always take a
  /// value), so a bare `--trace` is rewritten to name `defaultTraceFolder` before parsing.
  /// Async because `serve` runs a server; every other command runs synchronously inside it.
  static func main() async {
    if let bad = firstNonUTF8Argument() {
      FileHandle.standardError.write(
        Data("Error: argument \(bad) is not valid UTF-8 text; re-encode it as UTF-8\n".utf8))
      Foundation.exit(64)
    }
    await main(
      joiningNegativeNumbers(Self.expandingBareTrace(Array(CommandLine.arguments.dropFirst()))))
  }

  /// Stands for "the default folder" after a bare `--trace`.
  static let defaultTraceFolder = "<default>"

  static func expandingBareTrace(_ arguments: [String]) -> [String] {
    var result = arguments
    for (index, argument) in arguments.enumerated() where argument == "--trace" {
      let next = index + 1 < arguments.count ? arguments[index + 1] : nil
      if next == nil || next?.hasPrefix("-") == true {
        result[index] = "--trace=" + defaultTraceFolder
      }
    }
    return result
  }
}
