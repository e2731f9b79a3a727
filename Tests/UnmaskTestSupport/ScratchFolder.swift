import Foundation

/// Scratch folders for tests. Each test process makes its folders inside one root,
/// `$TMPDIR/unmask-tests-<pid>`, which is removed when the process exits: a test that
/// fails halfway, or one that hands its paths to the command line, leaves nothing behind
/// (thousands of runs had filled /tmp with one folder per test).
public enum ScratchFolder {
  private static let root: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-tests-\(getpid())")
    // A root that cannot be made shows up as the first test's failure to write into it.
    try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: ScratchFolder.root) }
    return root
  }()

  /// A path for a new file or folder inside the process's root; nothing is created there.
  public static func path(_ name: String) -> URL {
    root.appendingPathComponent("\(name)-\(UUID().uuidString)")
  }

  /// A new, empty folder inside the process's root.
  public static func make(_ name: String) throws -> URL {
    let folder = path(name)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }
}
