import Foundation

/// Commits per step of each block, given explicitly (`--schedule-file`): step i of every block
/// commits `counts[i]` positions (`CommitCounter` reads them), whatever the rounding rule.
///
/// For the strategies that read a schedule's times (origin, ReMDM) it reports the linear
/// fraction `t`. A stateless schedule, it is its own parameter struct.
public struct ExplicitSchedule: DescribedSchedule, PluginParameters {
  /// Commits at each step of a block, one per step, each >= 0.
  public var counts: [Int]

  /// The counts `counts`.
  public init(counts: [Int]) { self.counts = counts }
  /// No counts yet.
  public init() { self.init(counts: []) }

  /// `t`, as `LinearSchedule`.
  public func maskedFraction(at t: Double) -> Double { t }

  /// Its row of `ScheduleRegistry`: the counts must fill one block's steps and fit its
  /// positions.
  public static let descriptor = ScheduleDescriptor(
    name: .explicit,
    summary: "Commits per step of each block, given explicitly (one count per step).",
    parameters: [
      .counts(
        "explicit_counts", \ExplicitSchedule.counts, flag: "schedule-file",
        help:
          "file of commits per step of a block (integers separated by spaces, commas or lines); implies --schedule explicit",
        choosesItsOwner: true, readFile: { try readCounts(path: $0) })
    ],
    validate: { p, settings in
      try p.validate(stepsPerBlock: settings.stepsPerBlock, settings.blockLength)
    },
    make: { p, _ in p })

  /// Refuses counts that do not give one count per step of a block, are negative, or add up to
  /// more than a block's positions.
  private func validate(stepsPerBlock: Int, _ blockLength: Int) throws {
    func fail(_ message: String) -> SamplingError {
      .invalidSetting(field: "schedule-file", message: message)
    }
    guard !counts.isEmpty else { throw fail("the explicit schedule needs a list of counts") }
    guard counts.count == stepsPerBlock else {
      throw fail(
        "has \(counts.count) counts, expected one per step of a block (\(stepsPerBlock))")
    }
    if let bad = counts.first(where: { $0 < 0 }) { throw fail("counts must be >= 0, got \(bad)") }
    let total = counts.reduce(0, +)
    guard total <= blockLength else {
      throw fail("counts add up to \(total), more than the \(blockLength) positions of a block")
    }
  }

  /// The counts in a file: integers separated by spaces, commas or newlines (a JSON array
  /// works); `#` starts a comment.
  public static func readCounts(path: String) throws -> [Int] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw SamplingError.scheduleFile(path: path, message: "cannot be read")
    }
    var counts: [Int] = []
    for line in text.split(whereSeparator: \.isNewline) {
      let content =
        line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      for field in content.split(whereSeparator: { " ,\t[]".contains($0) }) {
        guard let n = Int(field) else {
          throw SamplingError.scheduleFile(path: path, message: "'\(field)' is not an integer")
        }
        counts.append(n)
      }
    }
    guard !counts.isEmpty else {
      throw SamplingError.scheduleFile(path: path, message: "holds no counts")
    }
    return counts
  }
}

extension ScheduleName {
  /// `ExplicitSchedule`.
  public static var explicit: ScheduleName { "explicit" }
}

extension Schedule {
  /// `ExplicitSchedule` with `counts`.
  public static func explicit(counts: [Int]) -> Schedule {
    Schedule(ExplicitSchedule.descriptor, ExplicitSchedule(counts: counts))
  }

  /// The counts of an explicit schedule; nil for the others.
  public var explicitCounts: [Int]? { parameters(as: ExplicitSchedule.self)?.counts }
}
