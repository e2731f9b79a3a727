import Foundation

/// Polynomial masking: `maskedFraction(t) = t^exponent`.
///
/// `exponent > 1` commits many tokens early and few late; `exponent < 1` the opposite.
///
/// A stateless schedule, it is its own parameter struct.
public struct PolynomialSchedule: DescribedSchedule, PluginParameters {
  /// The power of `t`.
  public var exponent: Double
  /// A polynomial schedule `t^exponent`.
  public init(exponent: Double) { self.exponent = exponent }
  /// The default exponent, 2.
  public init() { self.init(exponent: 2) }
  /// Its row of `ScheduleRegistry`.
  public static let descriptor = ScheduleDescriptor(
    name: .polynomial, summary: "Masked fraction t^exponent.",
    parameters: [
      .number(
        "exponent", \PolynomialSchedule.exponent, in: .above(0),
        help: "polynomial schedule exponent (masked fraction t^exponent)")
    ],
    make: { p, _ in p })
  /// `t^exponent`.
  public func maskedFraction(at t: Double) -> Double { pow(t, exponent) }
}

extension ScheduleName {
  /// `PolynomialSchedule`.
  public static var polynomial: ScheduleName { "polynomial" }
}

extension Schedule {
  /// `PolynomialSchedule` with `exponent`.
  public static func polynomial(exponent: Double) -> Schedule {
    Schedule(PolynomialSchedule.descriptor, PolynomialSchedule(exponent: exponent))
  }
}
