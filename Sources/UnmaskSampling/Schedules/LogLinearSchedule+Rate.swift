import Foundation

// The log-linear schedule's noise and its rate, as MDLM's continuous-time NELBO reads them
// (kuleshov-group/mdlm noise_schedule.py `LogLinearNoise`: `total_noise`, `rate_noise`, and
// `Noise.forward`, which returns both).

extension LogLinearSchedule {
  /// The total noise `σ(t) = -log(1 - (1 - eps) t)` (`LogLinearNoise.total_noise`, computed
  /// with `log1p` as the reference does), the level a time-conditioned network is given.
  public func totalNoise(at t: Double) -> Double { -log1p(-(1 - eps) * t) }

  /// The rate `dσ/dt = (1 - eps) / (1 - (1 - eps) t)` (`LogLinearNoise.rate_noise`).
  public func rate(at t: Double) -> Double { (1 - eps) / (1 - (1 - eps) * t) }

  /// The probability that a position is masked at `t`, `1 - exp(-σ(t)) = (1 - eps) t`
  /// (`move_chance` in `_forward_pass_diffusion`), from σ as the reference computes it.
  public func moveChance(at t: Double) -> Double { -expm1(-totalNoise(at: t)) }

  /// The continuous-time NELBO weight of a masked position, `dσ / expm1(σ)`: MDLM's loss term
  /// is `-log p(x₀ | x_t) · dσ(t) / expm1(σ(t))` (`_forward_pass_diffusion`, SUBS, T = 0).
  /// Algebraically `1 / t` for every `eps`; computed the reference's way, so a `t` given on the
  /// command line weighs what the reference's weighs.
  public func nelboWeight(at t: Double) -> Double { rate(at: t) / expm1(totalNoise(at: t)) }
}
