import Foundation

/// Polynomial masking: `maskedFraction(t) = t^exponent`.
///
/// `exponent > 1` commits many tokens early and few late; `exponent < 1` the opposite.
public struct PolynomialSchedule: NoiseSchedule {
  /// The power of `t`.
  public var exponent: Double
  /// A polynomial schedule `t^exponent`.
  public init(exponent: Double) { self.exponent = exponent }
  /// `.polynomial`.
  public var name: ScheduleName { .polynomial }
  /// `t^exponent`.
  public func maskedFraction(at t: Double) -> Double { pow(t, exponent) }
}
