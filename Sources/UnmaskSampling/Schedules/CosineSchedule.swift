import Foundation

/// MaskGIT's cosine schedule: `maskedFraction(t) = cos(pi/2 * (1 - t))`.
///
/// Few commits early, many late (Chang et al., "MaskGIT", 2022, gamma(r) = cos(pi r / 2) with
/// progress r = 1 - t).
public struct CosineSchedule: NoiseSchedule {
  /// The cosine schedule.
  public init() {}
  /// `.cosine`.
  public var name: ScheduleName { .cosine }
  /// `cos(pi/2 * (1 - t))`.
  public func maskedFraction(at t: Double) -> Double { cos(Double.pi / 2 * (1 - t)) }
}

/// The squared cosine schedule: `maskedFraction(t) = cos^2(pi/2 * (1 - t))`.
public struct CosineSquaredSchedule: NoiseSchedule {
  /// The squared cosine schedule.
  public init() {}
  /// `.cosineSquared`.
  public var name: ScheduleName { .cosineSquared }
  /// `cos^2(pi/2 * (1 - t))`.
  public func maskedFraction(at t: Double) -> Double {
    let c = cos(Double.pi / 2 * (1 - t))
    return c * c
  }
}
