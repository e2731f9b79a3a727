/// Linear masking: `maskedFraction(t) = t` (LLaDA eq. 8, Dream, MDLM with alpha = 1 - t).
///
/// With `RoundingRule.even` this is exactly LLaDA's `get_num_transfer_tokens`; with
/// `RoundingRule.truncate` exactly Dream's `int(M * (1 - s/t))`.
public struct LinearSchedule: DescribedSchedule {
  /// The linear schedule.
  public init() {}
  /// Its row of `ScheduleRegistry`.
  public static let descriptor = ScheduleDescriptor(
    name: .linear, summary: "Masked fraction t (LLaDA, Dream).", make: { _ in LinearSchedule() })
  /// `t`.
  public func maskedFraction(at t: Double) -> Double { t }
}

extension ScheduleName {
  /// `LinearSchedule`.
  public static var linear: ScheduleName { "linear" }
}

extension Schedule {
  /// `LinearSchedule`.
  public static var linear: Schedule { Schedule(LinearSchedule.descriptor) }
}
