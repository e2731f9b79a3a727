import Foundation
import Unmask

/// Draws given from outside (`unmask score --t-values T1,T2,... --masks FILE.json`), so that a
/// bound is evaluated at exactly the times and masks another run (the reference's) used.
///
/// The file is `{"t_values": [...], "masked_positions": [[...], ...]}`: one masked-position list
/// per draw; MDLM's `t_values` one number per draw, BD3-LM's one list of a time per block per
/// draw (a one-element list is accepted for MDLM too). `--t-values` writes the same times on the
/// command line: numbers separated by commas, draws separated by `;` when a draw has several
/// (`0.2,0.7;0.5,0.1`); for MDLM each comma-separated number is a draw. When both are given
/// they must agree; with `--t-values` alone the bound draws the masks at those times.
public struct NELBODrawInput: Equatable, Sendable {
  /// The times of each draw, if given.
  public var times: [[Double]]?
  /// The masked positions of each draw, if given.
  public var masked: [[Int]]?

  /// Draws from the parsed `--t-values` and `--masks` file (each optional).
  public init(times: [[Double]]?, masked: [[Int]]?) {
    self.times = times
    self.masked = masked
  }

  /// `--t-values`: draws separated by `;`, numbers by `,`. Without `;` and with one time per
  /// draw, every number is a draw; with several, the numbers are one draw.
  ///
  /// - Throws: `ExperimentError` naming `flag` for an empty list or a non-number.
  public static func parseTimes(_ text: String, timesPerDraw: Int, flag: String = "--t-values")
    throws -> [[Double]]
  {
    let groups = text.split(separator: ";", omittingEmptySubsequences: false)
    let parsed = try groups.map { group -> [Double] in
      try group.split(separator: ",", omittingEmptySubsequences: false).map { part in
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        guard let value = Double(trimmed), value.isFinite else {
          throw ExperimentError(
            source: flag,
            problem: "'\(trimmed)' is not a number (t values separated by commas, draws by ';')")
        }
        return value
      }
    }
    if groups.count == 1 && timesPerDraw == 1 { return parsed[0].map { [$0] } }
    return parsed
  }

  /// Reads `{"t_values": [...], "masked_positions": [[...], ...]}` from `path`; `t_values` may
  /// be left out when `--t-values` gives them.
  ///
  /// - Throws: `ExperimentError` naming the file and the field.
  public static func readFile(path: String) throws -> NELBODrawInput {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ExperimentError(source: path, problem: "cannot be read")
    }
    let json: JSONValue
    do {
      json = try data.withUnsafeBytes { try JSONValue.parse($0.bindMemory(to: UInt8.self)) }
    } catch {
      throw ExperimentError(source: path, problem: "is not JSON (\(error))")
    }
    guard json.members != nil else {
      throw ExperimentError(
        source: path,
        problem: "must be an object {\"t_values\": [...], \"masked_positions\": [[...], ...]}")
    }
    if let unknown = json.members?.first(where: {
      !["t_values", "masked_positions"].contains($0.key)
    }) {
      throw ExperimentError(
        source: path, field: unknown.key, problem: "is not a field (t_values, masked_positions)")
    }
    guard let rows = json["masked_positions"]?.arrayValue else {
      throw ExperimentError(
        source: path, field: "masked_positions",
        problem: "is missing or not a list (one list of positions per draw)")
    }
    let masked = try rows.enumerated().map { i, row -> [Int] in
      guard let positions = row.integerArray else {
        throw ExperimentError(
          source: path, field: "masked_positions",
          problem: "entry \(i) is not a list of integer positions")
      }
      return positions
    }
    var times: [[Double]]?
    if let value = json["t_values"] {
      guard let entries = value.arrayValue else {
        throw ExperimentError(source: path, field: "t_values", problem: "is not a list")
      }
      times = try entries.enumerated().map { i, entry -> [Double] in
        if let t = entry.doubleValue { return [t] }
        if let list = entry.arrayValue {
          let values = list.compactMap(\.doubleValue)
          if values.count == list.count && !values.isEmpty { return values }
        }
        throw ExperimentError(
          source: path, field: "t_values",
          problem: "entry \(i) is neither a number nor a non-empty list of numbers")
      }
    }
    return NELBODrawInput(times: times, masked: masked)
  }

  /// These draws completed by `bound` for a sequence of `length`: both given (they must agree
  /// in count), or the masks drawn at the given times from `rng`.
  ///
  /// - Throws: `ExperimentError` when no times are given anywhere or the counts differ.
  public func draws(
    bound: any DiffusionBound, length: Int, rng: inout SeededGenerator, source: String
  ) throws -> [NELBODraw] {
    guard let times else {
      throw ExperimentError(
        source: source, field: "t_values", problem: "is missing; give it there or with --t-values")
    }
    guard let masked else {
      return times.map {
        NELBODraw(times: $0, masked: bound.sampleMasks(times: $0, length: length, rng: &rng))
      }
    }
    guard masked.count == times.count else {
      throw ExperimentError(
        source: source,
        problem:
          "has \(masked.count) masked_positions list(s) for \(times.count) t value(s); give one per t"
      )
    }
    return zip(times, masked).map { NELBODraw(times: $0, masked: $1) }
  }

  /// `flag` (the `--t-values` times) and `file` together: the file's own `t_values`, if any,
  /// must equal the flag's (to 1e-12 relative: the same decimals parsed twice).
  ///
  /// - Throws: `ExperimentError` naming both when they disagree.
  public static func combining(flag: [[Double]]?, file: NELBODrawInput?, path: String?) throws
    -> NELBODrawInput
  {
    guard let file else { return NELBODrawInput(times: flag, masked: nil) }
    guard let flag else { return file }
    guard let given = file.times else {
      return NELBODrawInput(times: flag, masked: file.masked)
    }
    let source = "--t-values and \(path ?? "--masks")"
    guard given.count == flag.count else {
      throw ExperimentError(
        source: source,
        problem: "disagree: \(flag.count) draw(s) on the command line, \(given.count) in the file")
    }
    for (i, (a, b)) in zip(flag, given).enumerated() {
      let same =
        a.count == b.count
        && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0), abs($1)) }
      guard same else {
        throw ExperimentError(
          source: source,
          problem: "disagree at draw \(i): \(a) on the command line, \(b) in the file")
      }
    }
    return file
  }
}
