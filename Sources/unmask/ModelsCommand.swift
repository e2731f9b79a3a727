import ArgumentParser
import Foundation
import Unmask

/// `unmask models`: the models that ship (`models/<name>/` with an `unmask.json`).
struct ModelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models",
    abstract: "List the shipped models (name, path, task, architecture, parameters).",
    discussion: """
      Searched: UNMASK_MODELS (colon-separated folders), ./models, then the models/ folder of \
      the checkout the tool was built in. Every listed name works as --model NAME.
      """)

  @Flag(help: "Print one JSON array of {name, path, task, architecture, parameters, description}.")
  var json = false

  func run() throws {
    let entries: [ModelCatalog.Entry]
    do { entries = try ModelCatalog.standard.entries() } catch {
      throw CommandError("\(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(entries), as: UTF8.self))
      return
    }
    let nameWidth = max(4, entries.map(\.name.count).max() ?? 0)
    let taskWidth = max(4, entries.map(\.task.count).max() ?? 0)
    func pad(_ s: String, _ n: Int) -> String {
      s + String(repeating: " ", count: max(0, n - s.count))
    }
    print(pad("NAME", nameWidth) + "  " + pad("TASK", taskWidth) + "  ARCH    PARAMS  PATH")
    for e in entries {
      let params =
        e.parameters >= 1_000_000
        ? String(format: "%.1fM", Double(e.parameters) / 1e6)
        : String(format: "%.0fK", Double(e.parameters) / 1e3)
      print(
        pad(e.name, nameWidth) + "  " + pad(e.task, taskWidth) + "  " + pad(e.architecture, 6)
          + "  " + pad(params, 6) + "  " + e.path)
      print(pad("", nameWidth) + "  " + e.description)
    }
  }
}
