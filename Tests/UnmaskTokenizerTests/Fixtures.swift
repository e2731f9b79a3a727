import Foundation
import Testing

@testable import UnmaskTokenizer

/// Locates Tests/Fixtures/tokenizers from this file's path (not SwiftPM resources), and reads
/// the goldens written by scripts/fixtures/make_tokenizer_fixtures.py.
enum Fixtures {
  /// Tests/Fixtures/tokenizers.
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // UnmaskTokenizerTests
    .deletingLastPathComponent()  // Tests
    .appendingPathComponent("Fixtures/tokenizers")

  /// The names of the fixture tokenizers (folders holding golden.json): the ones trained by
  /// make_tokenizer_fixtures.py and the real vocabularies (`gguf-*`) rebuilt by
  /// make_gguf_vocab_fixtures.py. A compressed `tokenizer.json.zst` is listed too: without the
  /// `zstd` tool its tests are counted skips (failures under UNMASK_REQUIRE_ALL=1), not absent.
  static let names: [String] = {
    let fm = FileManager.default
    // An unreadable fixture folder lists nothing, and "fixtures are present" fails.
    let folders = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
    return folders.filter { name in
      let folder = root.appendingPathComponent(name)
      guard fm.fileExists(atPath: folder.appendingPathComponent("golden.json").path) else {
        return false
      }
      return fm.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path)
        || fm.fileExists(atPath: folder.appendingPathComponent("tokenizer.json.zst").path)
    }.sorted()
  }()

  /// The `zstd` command-line tool, if installed.
  static let zstdPath: String? = ["/usr/bin/zstd", "/usr/local/bin/zstd", "/opt/homebrew/bin/zstd"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Decompresses a .zst file with the zstd tool (the test target links no zstd library).
  static func unzstd(_ url: URL) throws -> Data {
    guard let zstdPath else { throw CocoaError(.fileReadUnknown) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: zstdPath)
    process.arguments = ["-d", "-q", "-c", url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
    return data
  }

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
    let folder = root.appendingPathComponent(name)
    let compressed = folder.appendingPathComponent("tokenizer.json.zst")
    let t: Tokenizer
    if FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path)
    {
      t = try Tokenizer(contentsOf: folder)
    } else {
      if zstdPath == nil {
        try skipTest("the zstd tool is not installed, so \(name)/tokenizer.json.zst cannot be read")
      }
      t = try Tokenizer(
        tokenizerJSON: unzstd(compressed), tokenizerConfigJSON: nil, source: compressed.path)
    }
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
      return ids[lo..<hi].map {
        "\($0):\(tokenizer.token(for: $0).map { String(reflecting: $0) } ?? "?")"
      }
      .joined(separator: " ")
    }
    return "first difference at index \(i) (got \(got.count) ids, want \(want.count)); "
      + "got [\(show(got))] want [\(show(want))]"
  }
}
