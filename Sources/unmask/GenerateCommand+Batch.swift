import Foundation
import Unmask

extension GenerateCommand {
  /// `--prompts FILE --batch N`: every prompt checked and encoded first (a bad line writes
  /// nothing), then generated `N` at a time in one forward pass per step, then one JSON line per
  /// prompt, in file order. With `--trace DIR` each prompt's steps go to `DIR/<line number>/`.
  func runBatches(file: String, session: ModelSession, settings: DenoisingSettings) throws {
    let entries = try PromptsFile(path: file).entries
    let encoded: [[Int32]] = try entries.map { entry in
      do {
        let ids = try entry.tokens ?? encode(entry.text ?? "", session: session)
        try session.checkVocabulary(ids)
        try session.checkCanvas(promptLength: ids.count, settings: settings)
        return ids
      } catch {
        throw CommandError("\(file):\(entry.line): \(error)")
      }
    }
    var lines: [String] = []
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let traces = traceFolder(settings: settings)
    for start in stride(from: 0, to: encoded.count, by: batch) {
      let indices = start..<min(encoded.count, start + batch)
      let group = Array(encoded[indices])
      let recorders = try traces.map { folder in
        try indices.map { index in
          try makeRecorder(
            in: folder.appendingPathComponent(String(entries[index].line)),
            promptTokens: encoded[index], session: session, settings: settings)
        }
      }
      let generations = try session.generate(
        batch: group, settings: settings, observers: recorders?.map { [$0] })
      for (offset, generation) in generations.enumerated() {
        let index = start + offset
        let result = generation.result
        let recorder = recorders?[offset]
        try recorder?.finish(
          timings: ["load": session.loadSeconds, "generate": result.seconds], interrupted: false)
        var report = GenerateReport(
          model: session.location.path, architecture: session.architecture,
          promptTokens: generation.prompt, tokens: result.generated, text: generation.text,
          steps: result.steps, forwardPasses: result.forwardPasses, seconds: result.seconds,
          stoppedEarly: result.stoppedEarly, trace: recorder?.directory.path, settings: settings,
          canvas: result.canvas, suffixTokens: [], eosFilled: result.eosFilled,
          forwardPassesSaved: result.forwardPassesSaved,
          positionsComputed: result.positionsComputed,
          positionsWithoutCache: result.positionsWithoutCache)
        report.countWork(of: session.model)
        report.resident = session.residency.rawValue
        var object =
          try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any] ?? [:]
        object["index"] = index
        object["batch"] = group.count
        if let id = entries[index].id { object["id"] = id }
        let data = try JSONSerialization.data(
          withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        lines.append(String(decoding: data, as: UTF8.self))
      }
    }
    print(lines.joined(separator: "\n"))
  }
}
