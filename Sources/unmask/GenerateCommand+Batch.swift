import Foundation
import Unmask

extension GenerateCommand {
  /// `--prompts FILE --batch N`: every prompt checked and encoded first (a bad line writes
  /// nothing), then generated `N` at a time in one forward pass per step, then one JSON line per
  /// prompt, in file order.
  func runBatches(
    file: String, model: any MaskedDiffusionModel, bundle: ModelBundle, tokenizer: Tokenizer?,
    denoiser: Denoiser
  ) throws {
    let entries = try PromptsFile(path: file).entries
    let source = bundle.location.path
    let encoded: [[Int32]] = try entries.map { entry in
      if let tokens = entry.tokens {
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= model.vocabularySize }) {
          throw CommandError(
            "\(file):\(entry.line): token id \(bad) is outside the vocabulary (\(model.vocabularySize))"
          )
        }
        return tokens
      }
      do { return try encode(entry.text ?? "", tokenizer: tokenizer, source: source) } catch {
        throw CommandError("\(file):\(entry.line): \(error)")
      }
    }
    var lines: [String] = []
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    for start in stride(from: 0, to: encoded.count, by: batch) {
      let group = Array(encoded[start..<min(encoded.count, start + batch)])
      let results = try denoiser.generate(batch: group)
      for (offset, result) in results.enumerated() {
        let index = start + offset
        let report = GenerateReport(
          model: source, architecture: model.architecture, promptTokens: group[offset],
          tokens: result.generated,
          text: tokenizer?.decode(result.generated, skipSpecialTokens: true) ?? "",
          steps: result.steps, forwardPasses: result.forwardPasses, seconds: result.seconds,
          stoppedEarly: result.stoppedEarly, settings: denoiser.settings)
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
