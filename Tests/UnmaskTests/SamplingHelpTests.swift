import Foundation
import Testing
import Unmask

/// `generate --help` comes from the strategy and schedule tables: every name with its summary,
/// and every parameter flag with its help, range and default.
@Test func generateHelpListsEveryStrategyScheduleAndParameterFlag() throws {
  let result = try UnmaskTool.run(["generate", "--help"])
  #expect(result.status == 0, "\(result.stderr)")
  // The help wraps lines: compare with white space folded.
  func folded(_ text: String) -> String {
    text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
  }
  let help = folded(result.stdout)
  // The built-in rows: plug-ins that other tests of this process register are not the tool's.
  let rows =
    StrategyRegistry.builtIn.map { ($0.name.rawValue, $0.summary, $0.parameters) }
    + ScheduleRegistry.builtIn.map { ($0.name.rawValue, $0.summary, $0.parameters) }
  for (name, summary, parameters) in rows {
    #expect(help.contains(" \(name) - \(folded(summary))"), "\(name)")
    for parameter in parameters {
      #expect(help.contains(folded(parameter.helpLine)), "\(name): --\(parameter.flag)")
    }
  }
}
