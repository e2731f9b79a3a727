import Foundation

@testable import UnmaskTokenizer

/// Locates Tests/Fixtures/tokenizers from this file's path (not SwiftPM resources), and reads
/// the goldens written by notebooks/make_tokenizer_fixtures.py.
enum Fixtures {
  /// Tests/Fixtures/tokenizers.
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // UnmaskTokenizerTests
    .deletingLastPathComponent()  // Tests
    .appendingPathComponent("Fixtures/tokenizers")

  /// The names of the trained fixture tokenizers (folders holding golden.json).
  static let names: [String] = {
    let folders = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return folders.filter {
      FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/golden.json").path)
    }.sorted()
  }()

  /// One golden case: `tokenizers`' outputs for `text`.
  struct Case: Decodable {
    let text: String
    let ids: [Int32]
    let ids_no_special: [Int32]
    let decoded: String
    let decoded_skip_special: String
  }

  struct Golden: Decodable {
    let name: String
    let cases: [Case]
  }

  private static let lock = NSLock()
  nonisolated(unsafe) private static var tokenizers: [String: Tokenizer] = [:]

  /// The fixture tokenizer `name`, loaded once.
  static func tokenizer(_ name: String) throws -> Tokenizer {
    lock.lock()
    defer { lock.unlock() }
    if let t = tokenizers[name] { return t }
    let t = try Tokenizer(contentsOf: root.appendingPathComponent(name))
    tokenizers[name] = t
    return t
  }

  /// The golden cases of fixture `name`.
  static func golden(_ name: String) throws -> Golden {
    let data = try Data(contentsOf: root.appendingPathComponent("\(name)/golden.json"))
    return try JSONDecoder().decode(Golden.self, from: data)
  }

  /// Every text of every golden file, without duplicates.
  static func allTexts() throws -> [String] {
    var seen = Set<[UInt8]>()
    var texts: [String] = []
    for name in names {
      for c in try golden(name).cases where seen.insert(Array(c.text.utf8)).inserted {
        texts.append(c.text)
      }
    }
    return texts
  }

  /// Describes the first difference between two id lists, with the tokens around it.
  static func firstMismatch(_ got: [Int32], _ want: [Int32], _ tokenizer: Tokenizer) -> String {
    let n = min(got.count, want.count)
    var i = 0
    while i < n && got[i] == want[i] { i += 1 }
    func show(_ ids: [Int32]) -> String {
      let lo = max(0, i - 3), hi = min(ids.count, i + 4)
      return ids[lo..<hi].map { "\($0):\(tokenizer.token(for: $0).map { String(reflecting: $0) } ?? "?")" }
        .joined(separator: " ")
    }
    return "first difference at index \(i) (got \(got.count) ids, want \(want.count)); "
      + "got [\(show(got))] want [\(show(want))]"
  }
}
