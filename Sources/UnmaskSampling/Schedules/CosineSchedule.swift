import Foundation

/// MaskGIT's cosine schedule: `maskedFraction(t) = cos(pi/2 * (1 - t))`.
///
/// Few commits early, many late (Chang et al., "MaskGIT", 2022, gamma(r) = cos(pi r / 2) with
/// progress r = 1 - t).
public struct CosineSchedule: DescribedSchedule {
  /// The cosine schedule.
  public init() {}
  /// Its row of `ScheduleRegistry`.
  public static let descriptor = ScheduleDescriptor(
    name: .cosine, summary: "Masked fraction cos(pi/2 * (1 - t)) (MaskGIT).",
    make: { _ in CosineSchedule() })
  /// `cos(pi/2 * (1 - t))`.
  public func maskedFraction(at t: Double) -> Double { cos(Double.pi / 2 * (1 - t)) }
}

/// The squared cosine schedule: `maskedFraction(t) = cos^2(pi/2 * (1 - t))`.
public struct CosineSquaredSchedule: DescribedSchedule {
  /// The squared cosine schedule.
  public init() {}
  /// Its row of `ScheduleRegistry`.
  public static let descriptor = ScheduleDescriptor(
    name: .cosineSquared, summary: "Masked fraction cos^2(pi/2 * (1 - t)).",
    make: { _ in CosineSquaredSchedule() })
  /// `cos^2(pi/2 * (1 - t))`.
  public func maskedFraction(at t: Double) -> Double {
    let c = cos(Double.pi / 2 * (1 - t))
    return c * c
  }
}

extension ScheduleName {
  /// `CosineSchedule`.
  public static var cosine: ScheduleName { "cosine" }
  /// `CosineSquaredSchedule`.
  public static var cosineSquared: ScheduleName { "cosine-squared" }
}

extension Schedule {
  /// `CosineSchedule`.
  public static var cosine: Schedule { Schedule(CosineSchedule.descriptor) }
  /// `CosineSquaredSchedule`.
  public static var cosineSquared: Schedule { Schedule(CosineSquaredSchedule.descriptor) }
}
