import ArgumentParser
import Unmask

/// The `unmask` command-line tool: run, convert and trace masked-diffusion language models.
@main
struct UnmaskCommand: ParsableCommand {
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
      BenchCommand.self,
      ConvertCommand.self,
      InspectCommand.self,
      VerifyCommand.self,
      ExportCommand.self,
      BenchConvertCommand.self,
    ]
  )
}
