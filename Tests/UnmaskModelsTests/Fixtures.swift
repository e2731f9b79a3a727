import Foundation

/// Paths to the shared fixtures in `Tests/Fixtures`, found from this file's location so tests
/// run from any working directory without copying checkpoints into bundles.
enum Fixtures {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  static func model(_ name: String) -> URL { root.appendingPathComponent(name) }
  static func golden(_ name: String) -> URL {
    root.appendingPathComponent("golden").appendingPathComponent(name)
  }
}
