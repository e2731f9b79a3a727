import Foundation

/// MDLM's cosine noise (kuleshov-group/mdlm noise_schedule.py `CosineNoise`, eps the run's
/// `--eps`, 1e-3 in the reference): `σ(t) = -log(eps + (1 - eps) cos(π t / 2))`, so
/// `maskedFraction(t) = 1 - exp(-σ(t)) = (1 - eps)(1 - cos(π t / 2))`.
///
/// Not the `cosine` schedule, which is MaskGIT's masked fraction `cos(π (1 - t) / 2)`.
public struct MDLMCosineSchedule: DescribedSchedule, TotalNoiseSchedule {
  /// The floor of `alpha` at `t = 1`.
  public var eps: Double
  /// The schedule with `eps`.
  public init(eps: Double) { self.eps = eps }
  /// Its row of `ScheduleRegistry`: `eps` is the run's (`DenoisingSettings.eps`).
  public static let descriptor = ScheduleDescriptor(
    name: .mdlmCosine,
    summary:
      "MDLM's CosineNoise: sigma(t) = -log(eps + (1 - eps) cos(pi t / 2)), with the run's --eps (for --sampler ddpm).",
    make: { settings in MDLMCosineSchedule(eps: settings.eps) })
  /// `-log(eps + (1 - eps) cos(t π / 2))` in float32.
  public func totalNoise(at t: Float) -> Float {
    let c = Foundation.cos(t * Float(Double.pi) / 2)
    return -Foundation.log(Float(eps) + Float(1 - eps) * c)
  }
  /// `1 - exp(-σ(t))`.
  public func maskedFraction(at t: Double) -> Double {
    1 - (eps + (1 - eps) * Foundation.cos(t * .pi / 2))
  }
}

/// MDLM's squared cosine noise (`CosineSqrNoise`): `σ(t) = -log(eps + (1 - eps) cos²(π t / 2))`.
public struct MDLMCosineSquaredSchedule: DescribedSchedule, TotalNoiseSchedule {
  /// The floor of `alpha` at `t = 1`.
  public var eps: Double
  /// The schedule with `eps`.
  public init(eps: Double) { self.eps = eps }
  /// Its row of `ScheduleRegistry`: `eps` is the run's (`DenoisingSettings.eps`).
  public static let descriptor = ScheduleDescriptor(
    name: .mdlmCosineSquared,
    summary:
      "MDLM's CosineSqrNoise: sigma(t) = -log(eps + (1 - eps) cos^2(pi t / 2)), with the run's --eps (for --sampler ddpm).",
    make: { settings in MDLMCosineSquaredSchedule(eps: settings.eps) })
  /// `-log(eps + (1 - eps) cos(t π / 2)²)` in float32 (`** 2` is a product in torch).
  public func totalNoise(at t: Float) -> Float {
    let c = Foundation.cos(t * Float(Double.pi) / 2)
    return -Foundation.log(Float(eps) + Float(1 - eps) * (c * c))
  }
  /// `1 - exp(-σ(t))`.
  public func maskedFraction(at t: Double) -> Double {
    let c = Foundation.cos(t * .pi / 2)
    return 1 - (eps + (1 - eps) * c * c)
  }
}

extension ScheduleName {
  /// `MDLMCosineSchedule`.
  public static var mdlmCosine: ScheduleName { "mdlm-cosine" }
  /// `MDLMCosineSquaredSchedule`.
  public static var mdlmCosineSquared: ScheduleName { "mdlm-cosine-squared" }
}

extension Schedule {
  /// `MDLMCosineSchedule` with the run's `eps`.
  public static var mdlmCosine: Schedule { Schedule(MDLMCosineSchedule.descriptor) }
  /// `MDLMCosineSquaredSchedule` with the run's `eps`.
  public static var mdlmCosineSquared: Schedule { Schedule(MDLMCosineSquaredSchedule.descriptor) }
}
