import Foundation

/// Replaces a trace file all at once: the bytes go to a temporary file beside it, which is then
/// renamed over it, so a reader sees the old file or the whole new one, never half of it.
///
/// No fsync: a trace is worth less than the run it records, and `Data.write(options: .atomic)`
/// syncs every file, which cost 0.6 to 3 ms for each of run.json, order.svg and denoise.gif on
/// a traced run (the disk's latency, on the path the tracing-overhead budget measures). The
/// `.npy` and `.jsonl` files are not synced either.
enum AtomicFile {
  /// The temporary file that `url` is written through (same folder, so the rename is atomic).
  static func temporaryPath(for url: URL) -> String {
    url.path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
  }

  /// Writes `data` to `url`.
  ///
  /// - Throws: `TraceError.io` naming `url` and the system's message.
  static func write(_ data: Data, to url: URL) throws {
    let temporary = temporaryPath(for: url)
    guard let file = fopen(temporary, "wb") else {
      throw TraceError.io(
        file: url.path, message: "could not write: \(String(cString: strerror(errno)))")
    }
    let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    guard fclose(file) == 0, written == data.count else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw TraceError.io(file: url.path, message: "short write (disk full?)")
    }
    try commit(temporary, to: url)
  }

  /// Renames the finished `temporary` file over `url` (removing it if that fails).
  ///
  /// - Throws: `TraceError.io` naming `url` and the system's message.
  static func commit(_ temporary: String, to url: URL) throws {
    guard rename(temporary, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: temporary)
      throw TraceError.io(file: url.path, message: "could not rename the temporary file: \(reason)")
    }
  }
}
