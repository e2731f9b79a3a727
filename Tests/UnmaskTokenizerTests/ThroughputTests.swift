import Foundation
import Testing

@testable import UnmaskTokenizer

/// Prints encoding throughput (tokens/s) for each pre-tokenizer family, with the hand-written
/// scanner and with the ICU regex. Informational only: nothing here asserts on time.
@Suite("Throughput (prints tokens/s)")
struct ThroughputTests {
  @Test("tokens per second", arguments: ["gpt2", "qwen2", "llama3"])
  func throughput(name: String) throws {
    let texts = try Fixtures.golden(name).cases.map(\.text)
    var corpus = ""
    while corpus.utf8.count < 200_000 { corpus += texts.joined(separator: "\n") }
    // Fresh tokenizers so caches start cold; one warm-up pass, then time the second.
    for useScanner in [true, false] {
      let t = try Tokenizer(contentsOf: Fixtures.root.appendingPathComponent(name))
      if !useScanner { setScanner(false, in: t) }
      _ = t.encode(corpus)
      let start = DispatchTime.now().uptimeNanoseconds
      let ids = t.encode(corpus)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      let rate = Double(ids.count) / seconds
      print(
        "[throughput] \(name) \(useScanner ? "scanner" : "ICU regex"): \(ids.count) tokens, "
          + "\(corpus.utf8.count) bytes in \(String(format: "%.3f", seconds)) s = "
          + "\(String(format: "%.0f", rate)) tokens/s")
      #expect(!ids.isEmpty)
    }
  }

  /// Turns the scanner off in every regex the pre-tokenizer holds.
  func setScanner(_ on: Bool, in tokenizer: Tokenizer) {
    func visit(_ p: any PreTokenizer) {
      if let s = p as? SplitPreTokenizer, case .regex(let m) = s.pattern { m.useScanner = on }
      if let b = p as? ByteLevelPreTokenizer { b.regex?.useScanner = on }
      if let q = p as? SequencePreTokenizer { q.stages.forEach(visit) }
    }
    tokenizer.preTokenizer.map(visit)
  }
}
