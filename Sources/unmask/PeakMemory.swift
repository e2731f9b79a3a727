import Foundation

/// Peak resident memory of this process, with a reset on Linux so that each benchmark phase
/// reports its own peak.
enum PeakMemory {
  /// Peak resident set size in bytes since start or the last `reset()` (Linux `VmHWM`; elsewhere
  /// `getrusage`'s lifetime `ru_maxrss`).
  static func bytes() -> Int {
    #if os(Linux)
      if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
      {
        return kb * 1024
      }
    #endif
    var usage = rusage()
    #if canImport(Darwin)
      getrusage(RUSAGE_SELF, &usage)
      return Int(usage.ru_maxrss)  // bytes on Darwin
    #else
      getrusage(RUSAGE_SELF.rawValue, &usage)
      return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    #endif
  }

  /// Resets the peak to the current resident size (Linux: `5` to `/proc/self/clear_refs`);
  /// returns false where the OS offers no reset.
  @discardableResult
  static func reset() -> Bool {
    #if os(Linux)
      guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
      defer { try? handle.close() }
      do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
      return true
    #else
      return false
    #endif
  }
}
