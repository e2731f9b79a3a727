/// Linear masking: `maskedFraction(t) = t` (LLaDA eq. 8, Dream, MDLM with alpha = 1 - t).
///
/// With `RoundingRule.even` this is exactly LLaDA's `get_num_transfer_tokens`; with
/// `RoundingRule.truncate` exactly Dream's `int(M * (1 - s/t))`.
public struct LinearSchedule: NoiseSchedule {
  /// The linear schedule.
  public init() {}
  /// `.linear`.
  public var name: ScheduleName { .linear }
  /// `t`.
  public func maskedFraction(at t: Double) -> Double { t }
}
