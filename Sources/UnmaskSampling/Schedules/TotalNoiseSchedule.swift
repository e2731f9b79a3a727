import Foundation

/// A schedule given as MDLM's total noise σ(t) (kuleshov-group/mdlm noise_schedule.py
/// `total_noise`): what `--sampler ddpm` reads, the network's noise level σ(t) and the masking
/// probability `1 - exp(-σ(t))` (`_ddpm_update`).
///
/// `totalNoise(at:)` follows the reference's float32 arithmetic op by op (Python constants
/// rounded to float32 where torch rounds them), so that the probabilities a replayed run
/// compares are the reference's. Conformers: log-linear, geometric, mdlm-cosine,
/// mdlm-cosine-squared, mdlm-linear.
public protocol TotalNoiseSchedule: NoiseSchedule {
  /// σ(t) in float32, as the reference computes it from a float32 `t`.
  func totalNoise(at t: Float) -> Float
}

extension TotalNoiseSchedule {
  /// `1 - exp(-σ(t))` in float32: `_ddpm_update`'s `move_chance`.
  public func moveChance(at t: Float) -> Float {
    1 - Foundation.exp(-totalNoise(at: t))
  }
}

extension LogLinearSchedule: TotalNoiseSchedule {
  /// `-log1p(-(1 - eps) t)` (`LogLinearNoise.total_noise`).
  public func totalNoise(at t: Float) -> Float {
    -Foundation.log1p(Float(-(1 - eps)) * t)
  }
}

extension GeometricSchedule: TotalNoiseSchedule {
  /// `sigma_min^(1 - t) · sigma_max^t` (`GeometricNoise.total_noise`, float32 sigmas).
  public func totalNoise(at t: Float) -> Float {
    Foundation.pow(Float(sigmaMin), 1 - t) * Foundation.pow(Float(sigmaMax), t)
  }
}
