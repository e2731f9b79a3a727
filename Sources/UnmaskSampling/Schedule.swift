import UnmaskCore

/// A noise schedule with its parameters: what a run uses, what traces record.
///
/// As with `Strategy`, each case carries the parameters it reads, and JSON keeps them flat:
/// `{"schedule": "polynomial", "exponent": 2}`. Adding a schedule: one file under
/// `Schedules/` and one case here (with its lines in the switches below).
public enum Schedule: Equatable, Sendable {
  /// Masked fraction `t` (LLaDA, Dream).
  case linear
  /// Masked fraction `cos(pi/2 * (1 - t))` (MaskGIT).
  case cosine
  /// Masked fraction `cos^2(pi/2 * (1 - t))`.
  case cosineSquared
  /// Masked fraction `(1 - eps) * t`, with the run's `eps` (MDLM log-linear).
  case logLinear
  /// Masked fraction `1 - exp(-sigma_min^(1-t) * sigma_max^t)` (MDLM/SEDD geometric).
  case geometric(sigmaMin: Double, sigmaMax: Double)
  /// Masked fraction `t^exponent`.
  case polynomial(exponent: Double)
  /// Commits per step of each block, given explicitly (`--schedule-file`).
  case explicit(counts: [Int])

  /// The schedule's name (the `schedule` key, the `--schedule` choice).
  public var name: ScheduleName {
    switch self {
    case .linear: return .linear
    case .cosine: return .cosine
    case .cosineSquared: return .cosineSquared
    case .logLinear: return .logLinear
    case .geometric: return .geometric
    case .polynomial: return .polynomial
    case .explicit: return .explicit
    }
  }

  /// The schedule `name` with its parameters at their defaults (`explicit`: no counts yet).
  public static func defaults(_ name: ScheduleName) -> Schedule {
    if name == .explicit { return .explicit(counts: []) }
    return (try? Schedule(name: name, reading: SettingsObject(values: [:]))) ?? .linear
  }

  /// The JSON keys of the parameters the schedule `name` reads.
  public static func parameterKeys(_ name: ScheduleName) -> [String] {
    switch name {
    case .linear, .cosine, .cosineSquared, .logLinear: return []
    case .geometric: return ["sigma_min", "sigma_max"]
    case .polynomial: return ["exponent"]
    case .explicit: return ["explicit_counts"]
    }
  }

  /// Every parameter key of every schedule.
  public static var allParameterKeys: Set<String> {
    Set(ScheduleName.allCases.flatMap(parameterKeys))
  }

  /// The schedule `name`, its parameters read from `object` (a missing key keeps its default;
  /// `explicit` has no default and needs `explicit_counts`).
  init(name: ScheduleName, reading object: SettingsObject) throws {
    switch name {
    case .linear: self = .linear
    case .cosine: self = .cosine
    case .cosineSquared: self = .cosineSquared
    case .logLinear: self = .logLinear
    case .geometric:
      self = .geometric(
        sigmaMin: try object.double("sigma_min") ?? 1e-4,
        sigmaMax: try object.double("sigma_max") ?? 20)
    case .polynomial: self = .polynomial(exponent: try object.double("exponent") ?? 2)
    case .explicit:
      guard let counts = try object.ints("explicit_counts") else {
        throw SamplingError.invalidSetting(
          field: "schedule-file", message: "the explicit schedule needs a list of counts")
      }
      self = .explicit(counts: counts)
    }
  }

  /// The parameters as JSON values under their keys.
  public var parameters: [String: JSONValue] {
    switch self {
    case .linear, .cosine, .cosineSquared, .logLinear: return [:]
    case .geometric(let lo, let hi): return ["sigma_min": .number(lo), "sigma_max": .number(hi)]
    case .polynomial(let e): return ["exponent": .number(e)]
    case .explicit(let counts): return ["explicit_counts": .array(counts.map { .integer($0) })]
    }
  }

  /// Checks the parameters against a block of `stepsPerBlock` steps and `blockLength` positions.
  public func validate(stepsPerBlock: Int, blockLength: Int) throws {
    func fail(_ field: String, _ message: String) -> SamplingError {
      .invalidSetting(field: field, message: message)
    }
    switch self {
    case .linear, .cosine, .cosineSquared, .logLinear: return
    case .geometric(let lo, let hi):
      guard lo > 0, hi > lo, hi.isFinite else {
        throw fail("sigma", "needs 0 < sigma-min < sigma-max, got \(lo), \(hi)")
      }
    case .polynomial(let e):
      guard e.isFinite, e > 0 else { throw fail("exponent", "must be > 0, got \(e)") }
    case .explicit(let counts):
      guard counts.count == stepsPerBlock else {
        throw fail(
          "schedule-file",
          "has \(counts.count) counts, expected one per step of a block (\(stepsPerBlock))")
      }
      if let bad = counts.first(where: { $0 < 0 }) {
        throw fail("schedule-file", "counts must be >= 0, got \(bad)")
      }
      let total = counts.reduce(0, +)
      guard total <= blockLength else {
        throw fail(
          "schedule-file",
          "counts add up to \(total), more than the \(blockLength) positions of a block")
      }
    }
  }

  /// The schedule object (`explicit` reports the linear fraction for its times; its counts are
  /// read by `CommitCounter`); `eps` is the run's final time, used by `logLinear`.
  func make(eps: Double) -> any NoiseSchedule {
    switch self {
    case .linear, .explicit: return LinearSchedule()
    case .cosine: return CosineSchedule()
    case .cosineSquared: return CosineSquaredSchedule()
    case .logLinear: return LogLinearSchedule(eps: eps)
    case .geometric(let lo, let hi): return GeometricSchedule(sigmaMin: lo, sigmaMax: hi)
    case .polynomial(let e): return PolynomialSchedule(exponent: e)
    }
  }

  /// The counts of an explicit schedule; nil for the others.
  public var explicitCounts: [Int]? {
    if case .explicit(let counts) = self { return counts }
    return nil
  }
}
