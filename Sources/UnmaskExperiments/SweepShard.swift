/// Which share of a sweep's points this process runs: every n-th point from `index`.
///
/// Scale-out uses existing engines: a Slurm job array (`SLURM_ARRAY_TASK_ID`,
/// `SLURM_ARRAY_TASK_COUNT`) or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, with the
/// count given as a flag since Kubernetes exports none); `--shard i/n` overrides both.
public struct SweepShard: Equatable, Sendable {
  /// 0-based shard index.
  public var index: Int
  /// Number of shards.
  public var count: Int

  /// A shard; `0 <= index < count`.
  public init(index: Int, count: Int) throws {
    guard count >= 1, (0..<count).contains(index) else {
      throw ExperimentError(
        source: "--shard", problem: "needs 0 <= i < n, got \(index)/\(count)")
    }
    self.index = index
    self.count = count
  }

  /// Every point.
  public static let all = SweepShard(unchecked: 0, count: 1)

  /// A shard known to be valid (0 <= index < count).
  private init(unchecked index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Whether this shard runs point `pointIndex`.
  public func contains(_ pointIndex: Int) -> Bool { pointIndex % count == index }

  /// Parses `i/n`.
  public static func parse(_ text: String) throws -> SweepShard {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
      throw ExperimentError(source: "--shard", problem: "expected i/n (e.g. 0/4), got '\(text)'")
    }
    return try SweepShard(index: i, count: n)
  }

  /// From `--shard`, else Slurm's array variables, else `JOB_COMPLETION_INDEX` with
  /// `shardCount`, else every point.
  public static func resolve(
    flag: String?, shardCount: Int?, environment: [String: String]
  ) throws -> SweepShard {
    if let flag { return try parse(flag) }
    if let id = environment["SLURM_ARRAY_TASK_ID"] {
      guard let i = Int(id), let n = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) else {
        throw ExperimentError(
          source: "SLURM_ARRAY_TASK_ID", problem: "needs integer SLURM_ARRAY_TASK_COUNT too")
      }
      // Arrays may start at 1 (--array=1-4); SLURM_ARRAY_TASK_MIN says where.
      let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
      return try SweepShard(index: i - first, count: n)
    }
    if let id = environment["JOB_COMPLETION_INDEX"] {
      guard let i = Int(id), let n = shardCount else {
        throw ExperimentError(
          source: "JOB_COMPLETION_INDEX", problem: "needs --shard-count N (the Job's completions)")
      }
      return try SweepShard(index: i, count: n)
    }
    return .all
  }
}
