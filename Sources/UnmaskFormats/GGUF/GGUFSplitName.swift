import Foundation

/// The file names of a split GGUF, as llama.cpp's `llama_split_path` writes them:
/// `<prefix>-00001-of-00003.gguf`, numbered from 1, five digits each.
struct GGUFSplitName {
  /// The folder and name before `-NNNNN-of-MMMMM.gguf`.
  let prefix: URL
  /// How many parts `split.count` says there are.
  let count: Int
  /// The file that was opened, for errors.
  let opened: URL

  /// The split name of `url`, which must follow the pattern and agree with `count`.
  init(url: URL, count: Int) throws {
    let name = url.lastPathComponent
    // "<prefix>-NNNNN-of-MMMMM.gguf": 20 characters after the prefix.
    let tail = name.suffix(20)
    let digits = { (s: Substring) in s.count == 5 && s.allSatisfy(\.isASCII) && Int(s) != nil }
    guard name.count > 20, tail.hasPrefix("-"), tail.hasSuffix(".gguf"),
      digits(tail.dropFirst().prefix(5)), tail.dropFirst(6).hasPrefix("-of-"),
      let total = Int(tail.dropFirst(10).prefix(5)), digits(tail.dropFirst(10).prefix(5)),
      total == count
    else {
      throw CheckpointError(
        path: url.path, item: "split.count",
        "says \(count) parts, but the name is not <name>-NNNNN-of-\(String(format: "%05d", count)).gguf"
      )
    }
    prefix = url.deletingLastPathComponent().appendingPathComponent(String(name.dropLast(20)))
    self.count = count
    opened = url
  }

  /// Every part's URL, in order; a missing part is an error naming it.
  func partURLs() throws -> [URL] {
    try (1...count).map { number in
      let url = URL(
        fileURLWithPath: prefix.path + String(format: "-%05d-of-%05d.gguf", number, count))
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw CheckpointError(
          path: url.path,
          "missing: part \(number) of the \(count) that \(opened.lastPathComponent) belongs to")
      }
      return url
    }
  }
}
