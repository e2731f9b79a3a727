import Foundation
import Testing

@testable import UnmaskTokenizer

/// Prints encoding throughput (tokens/s) for each pre-tokenizer family, with the hand-written
/// scanner and with the ICU regex. Nothing here asserts on time; what it asserts is that the
/// two paths being timed give the same ids and that those ids decode back to the corpus.
@Suite("Throughput (prints tokens/s)")
struct ThroughputTests {
  @Test("tokens per second", arguments: ["gpt2", "qwen2", "llama3"])
  func throughput(name: String) throws {
    let cases = try Fixtures.golden(name).cases
    let texts = cases.map(\.text)
    var corpus = ""
    while corpus.utf8.count < 200_000 { corpus += texts.joined(separator: "\n") }
    // Fresh tokenizers so caches start cold; one warm-up pass, then time the second.
    var encodings: [[Int32]] = []
    for useScanner in [true, false] {
      let t = try Tokenizer(contentsOf: Fixtures.root.appendingPathComponent(name))
      if !useScanner { #expect(setScanner(false, in: t) > 0, "\(name): no regex to switch") }
      _ = t.encode(corpus)
      let start = DispatchTime.now().uptimeNanoseconds
      let ids = t.encode(corpus)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      let rate = Double(ids.count) / seconds
      print(
        "[throughput] \(name) \(useScanner ? "scanner" : "ICU regex"): \(ids.count) tokens, "
          + "\(corpus.utf8.count) bytes in \(String(format: "%.3f", seconds)) s = "
          + "\(String(format: "%.0f", rate)) tokens/s")
      encodings.append(ids)
      // Byte-level BPE is lossless where the golden decode gives the text back.
      if cases.allSatisfy({ $0.decoded == $0.text }) {
        #expect(t.decode(ids) == corpus, "\(name): the timed encoding does not decode back")
      }
      // At least one token per 8 bytes: the corpus was really encoded, not cut short.
      #expect(ids.count * 8 >= corpus.utf8.count)
    }
    #expect(encodings[0] == encodings[1], "\(name): the scanner and the ICU regex disagree")
  }

  /// Turns the scanner off in every regex the pre-tokenizer holds; returns how many it set.
  @discardableResult
  func setScanner(_ on: Bool, in tokenizer: Tokenizer) -> Int {
    var count = 0
    func visit(_ p: any PreTokenizer) {
      if let s = p as? SplitPreTokenizer, case .regex(let m) = s.pattern {
        m.useScanner = on
        count += 1
      }
      if let b = p as? ByteLevelPreTokenizer, let regex = b.regex {
        regex.useScanner = on
        count += 1
      }
      if let q = p as? SequencePreTokenizer { q.stages.forEach(visit) }
    }
    tokenizer.preTokenizer.map(visit)
    return count
  }
}
