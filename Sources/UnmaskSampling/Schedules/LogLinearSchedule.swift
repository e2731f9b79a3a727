/// MDLM's log-linear schedule: `sigma(t) = -log(1 - (1 - eps) t)`, so
/// `alpha(t) = exp(-sigma(t)) = 1 - (1 - eps) t` and `maskedFraction(t) = (1 - eps) t`.
///
/// Mirrors `LogLinearNoise` in kuleshov-group/mdlm noise_schedule.py.
public struct LogLinearSchedule: NoiseSchedule {
  /// Keeps a sliver `eps` unmasked at `t = 1`, as MDLM does for numerical stability.
  public var eps: Double
  /// A log-linear schedule with the given `eps` (MDLM uses 1e-3).
  public init(eps: Double) { self.eps = eps }
  /// `.logLinear`.
  public var name: ScheduleName { .logLinear }
  /// `(1 - eps) t`.
  public func maskedFraction(at t: Double) -> Double { (1 - eps) * t }
}
