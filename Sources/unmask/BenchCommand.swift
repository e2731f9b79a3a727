import ArgumentParser
import Foundation
import Unmask

/// `unmask bench`: measured speed, always printed next to a baseline measured in the same run.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Benchmarks that print ratios against baselines measured in the same run.",
    subcommands: [
      BenchForwardCommand.self, BenchConvertCommand.self, BenchTraceCommand.self,
      BenchGenerateCommand.self, BenchSyntheticCommand.self, BenchResidentCommand.self,
    ])
}
