/// A masking schedule: the fraction of a block's positions still masked at time `t`.
///
/// Time runs from `t = 1` (everything masked) to `t = 0` (everything committed). In MDLM's
/// notation the survival probability is `alpha(t) = 1 - maskedFraction(t)`. A rounding rule
/// (`RoundingRule`) turns the fraction that falls between two grid times into whole commits:
/// the expected share of the still-masked positions committed between `t` and `s < t` is
/// `1 - maskedFraction(s) / maskedFraction(t)` (for the linear schedule, Dream's `1 - s/t`).
///
/// Conformers are small value types, one file each under `Schedules/`, each with its descriptor
/// (`DescribedSchedule`), chosen by name from `ScheduleRegistry`.
public protocol NoiseSchedule: Sendable {
  /// The schedule's name in configs and traces.
  var name: ScheduleName { get }
  /// Fraction of positions still masked at time `t` in `[0, 1]`; 1 (or nearly) at `t = 1`.
  func maskedFraction(at t: Double) -> Double
}
