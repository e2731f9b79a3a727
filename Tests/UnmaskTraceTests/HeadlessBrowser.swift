import Foundation

/// Debian's `chromium` run headless, for the viewer's browser tests.
///
/// CI installs it (scripts/install-deps.sh) and sets `UNMASK_REQUIRE_BROWSER=1`, which turns
/// a missing browser into a failure; elsewhere the browser tests are skipped when it is absent.
enum HeadlessBrowser {
  /// The first of chromium / chromium-browser / google-chrome found on PATH.
  static let path: String? = {
    let names = ["chromium", "chromium-browser", "google-chrome"]
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(
      separator: ":")
    for name in names {
      for dir in dirs {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      }
    }
    return nil
  }()

  /// Whether the tests must find a browser (CI): `UNMASK_REQUIRE_BROWSER=1`, or
  /// `UNMASK_REQUIRE_ALL=1`, under which no check may be skipped (see `skipTest`).
  static var required: Bool {
    let environment = ProcessInfo.processInfo.environment
    return environment["UNMASK_REQUIRE_BROWSER"] == "1" || environment["UNMASK_REQUIRE_ALL"] == "1"
  }

  /// Whether to run the browser tests.
  static var enabled: Bool { path != nil || required }

  /// Runs the browser with `arguments` plus the headless flags; returns stdout. A run taking
  /// more than `timeout` seconds is killed.
  static func run(_ arguments: [String], timeout: Double = 90) throws -> String {
    guard let path else {
      throw BrowserError("chromium not found on PATH (apt-get install chromium)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    // A throwaway profile: parallel runs and leftover locks do not interfere.
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-chromium-\(UUID().uuidString)")
    process.arguments =
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
        "--no-first-run", "--user-data-dir=\(profile.path)", "--virtual-time-budget=3000",
      ] + arguments
    // stdout goes to a file: a large DOM cannot fill a pipe and block the browser.
    let outputURL = profile.appendingPathExtension("out")
    FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    let output = try FileHandle(forWritingTo: outputURL)
    defer {
      try? output.close()
      try? FileManager.default.removeItem(at: outputURL)
      try? FileManager.default.removeItem(at: profile)
    }
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    if process.isRunning {
      process.terminate()
      throw BrowserError("chromium did not finish within \(Int(timeout)) s")
    }
    let data = FileManager.default.contents(atPath: outputURL.path) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  struct BrowserError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }
}
