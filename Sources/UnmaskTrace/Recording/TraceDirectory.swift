import Foundation

/// File names inside a trace folder and the default folder location.
public enum TraceDirectory {
  /// Run description.
  public static let runFile = "run.json"
  /// One JSON record per step.
  public static let stepsFile = "trace.jsonl"
  /// `[steps, positions]` Int32: commit step or `CellState` code.
  public static let stateFile = "state.npy"
  /// `[steps, positions]` Float32 confidence, NaN where not masked.
  public static let confidenceFile = "confidence.npy"
  /// `[steps, positions]` Float32 margin, NaN where not masked.
  public static let marginFile = "margin.npy"
  /// `[steps, positions]` Float32 entropy (nats), NaN where not masked.
  public static let entropyFile = "entropy.npy"

  /// `traces/<yyyyMMdd-HHmmss>-<strategy>/` under `base` (default: the current directory),
  /// in UTC; the strategy is reduced to `[A-Za-z0-9._-]`. If that folder exists, `-2`, `-3`,
  /// ... is appended.
  public static func defaultURL(strategy: String, base: URL? = nil, date: Date = Date()) -> URL {
    let root = base ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func two(_ value: Int?) -> String {
      let v = value ?? 0
      return v < 10 ? "0\(v)" : "\(v)"
    }
    let stamp =
      "\(c.year ?? 0)\(two(c.month))\(two(c.day))-\(two(c.hour))\(two(c.minute))\(two(c.second))"
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    let name = String(strategy.map { allowed.contains($0) ? $0 : "_" })
    let folder = "\(stamp)-\(name.isEmpty ? "run" : name)"
    let traces = root.appendingPathComponent("traces")
    // Two runs in the same second get -2, -3, ... rather than overwriting each other.
    var url = traces.appendingPathComponent(folder)
    var suffix = 2
    while FileManager.default.fileExists(atPath: url.path) {
      url = traces.appendingPathComponent("\(folder)-\(suffix)")
      suffix += 1
    }
    return url
  }
}
