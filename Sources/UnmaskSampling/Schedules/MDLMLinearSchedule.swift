import Foundation

/// MDLM's linear noise (kuleshov-group/mdlm noise_schedule.py `Linear`, with
/// configs/noise/linear.yaml's `sigma_min` 1e-3 and `sigma_max` 7): the total noise grows
/// linearly, `σ(t) = sigma_min + t (sigma_max - sigma_min)`, so
/// `maskedFraction(t) = 1 - exp(-σ(t))`.
///
/// Not the `linear` schedule, whose masked fraction itself is `t`. A stateless schedule, it is
/// its own parameter struct.
public struct MDLMLinearSchedule: DescribedSchedule, TotalNoiseSchedule, PluginParameters {
  /// Total noise at `t = 0`.
  public var sigmaMin: Double
  /// Total noise at `t = 1`.
  public var sigmaMax: Double
  /// A linear total noise from `sigmaMin` to `sigmaMax`.
  public init(sigmaMin: Double, sigmaMax: Double) {
    self.sigmaMin = sigmaMin
    self.sigmaMax = sigmaMax
  }
  /// configs/noise/linear.yaml: sigma_min 1e-3, sigma_max 7.
  public init() { self.init(sigmaMin: 1e-3, sigmaMax: 7) }
  /// Its row of `ScheduleRegistry`.
  public static let descriptor = ScheduleDescriptor(
    name: .mdlmLinear,
    summary:
      "MDLM's Linear noise: sigma(t) = sigma_min + t (sigma_max - sigma_min), masked fraction 1 - exp(-sigma) (for --sampler ddpm).",
    parameters: [
      .number("sigma_min", \MDLMLinearSchedule.sigmaMin, help: "total noise at t = 0"),
      .number("sigma_max", \MDLMLinearSchedule.sigmaMax, help: "total noise at t = 1"),
    ],
    validate: { p, _ in
      guard p.sigmaMin >= 0, p.sigmaMax > p.sigmaMin, p.sigmaMax.isFinite else {
        throw SamplingError.invalidSetting(
          field: "sigma",
          message: "needs 0 <= sigma-min < sigma-max, got \(p.sigmaMin), \(p.sigmaMax)")
      }
    },
    make: { p, _ in p })
  /// `sigma_min + t (sigma_max - sigma_min)` on float32 sigmas.
  public func totalNoise(at t: Float) -> Float {
    Float(sigmaMin) + t * (Float(sigmaMax) - Float(sigmaMin))
  }
  /// `1 - exp(-σ(t))`.
  public func maskedFraction(at t: Double) -> Double {
    -expm1(-(sigmaMin + t * (sigmaMax - sigmaMin)))
  }
}

extension ScheduleName {
  /// `MDLMLinearSchedule`.
  public static var mdlmLinear: ScheduleName { "mdlm-linear" }
}

extension Schedule {
  /// `MDLMLinearSchedule` between `sigmaMin` and `sigmaMax`.
  public static func mdlmLinear(sigmaMin: Double = 1e-3, sigmaMax: Double = 7) -> Schedule {
    Schedule(
      MDLMLinearSchedule.descriptor, MDLMLinearSchedule(sigmaMin: sigmaMin, sigmaMax: sigmaMax))
  }
}
