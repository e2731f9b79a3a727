/// MDLM's log-linear schedule: `sigma(t) = -log(1 - (1 - eps) t)`, so
/// `alpha(t) = exp(-sigma(t)) = 1 - (1 - eps) t` and `maskedFraction(t) = (1 - eps) t`.
///
/// Mirrors `LogLinearNoise` in kuleshov-group/mdlm noise_schedule.py.
public struct LogLinearSchedule: DescribedSchedule {
  /// Keeps a sliver `eps` unmasked at `t = 1`, as MDLM does for numerical stability.
  public var eps: Double
  /// A log-linear schedule with the given `eps` (MDLM uses 1e-3).
  public init(eps: Double) { self.eps = eps }
  /// Its row of `ScheduleRegistry`: `eps` is the run's (`DenoisingSettings.eps`).
  public static let descriptor = ScheduleDescriptor(
    name: .logLinear,
    summary:
      "Masked fraction (1 - eps) * t, with the run's --eps (MDLM log-linear: sigma(t) = -log(1 - (1 - eps) t)).",
    make: { settings in LogLinearSchedule(eps: settings.eps) })
  /// `(1 - eps) t`.
  public func maskedFraction(at t: Double) -> Double { (1 - eps) * t }
}

extension ScheduleName {
  /// `LogLinearSchedule`.
  public static var logLinear: ScheduleName { "log-linear" }
}

extension Schedule {
  /// `LogLinearSchedule` with the run's `eps`.
  public static var logLinear: Schedule { Schedule(LogLinearSchedule.descriptor) }
}
