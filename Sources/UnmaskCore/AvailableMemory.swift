import Foundation

/// Memory a process could take now without pushing other processes out: on Linux, the
/// kernel's `MemAvailable` (free memory plus the page cache and other memory it can reclaim),
/// within the cgroup's limit (v2 or v1) where one is set; elsewhere, or where neither can be read, the
/// physical memory.
///
/// What `WeightResidency.automatic` weighs a decoded model against: a machine whose memory is
/// half taken by other programs should not be told it has room for a 16 GB decoded copy.
public enum AvailableMemory {
  /// Bytes available now (at most the physical memory).
  public static var bytes: UInt64 {
    let physical = ProcessInfo.processInfo.physicalMemory
    var available = physical
    if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
      let kernel = memAvailable(inMeminfo: text)
    {
      available = min(available, kernel)
    }
    for (limitFile, usageFile) in cgroupFiles {
      if let limit = try? String(contentsOfFile: limitFile, encoding: .utf8),
        let used = try? String(contentsOfFile: usageFile, encoding: .utf8),
        let room = cgroupRoom(max: limit, current: used)
      {
        available = min(available, room)
      }
    }
    return available
  }

  /// A cgroup's limit and usage: v2's unified files, and v1's memory controller, whose
  /// "no limit" is a number near 2^63 that the physical memory then bounds.
  static let cgroupFiles = [
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
  ]

  /// `MemAvailable` of a `/proc/meminfo` text in bytes, or nil without that line.
  public static func memAvailable(inMeminfo text: String) -> UInt64? {
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 2, let value = UInt64(fields[1]) else { return nil }
      let unit = fields.count >= 3 ? fields[2].lowercased() : ""
      return unit == "kb" ? value * 1024 : value
    }
    return nil
  }

  /// A cgroup's limit less its usage (v2 `memory.max` and `memory.current`, or v1
  /// `memory.limit_in_bytes` and `memory.usage_in_bytes`), or nil without a limit ("max") or
  /// where either is not a number. `memory.current` counts the cgroup's page cache too, which the
  /// kernel could reclaim, so this errs on the small side (towards compressed weights).
  public static func cgroupRoom(max: String, current: String) -> UInt64? {
    let trimmed = { (s: String) in s.trimmingCharacters(in: .whitespacesAndNewlines) }
    guard let limit = UInt64(trimmed(max)), let used = UInt64(trimmed(current)) else {
      return nil
    }
    return limit > used ? limit - used : 0
  }
}
