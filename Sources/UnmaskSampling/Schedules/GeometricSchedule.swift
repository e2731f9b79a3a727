import Foundation

/// The geometric schedule of SEDD/MDLM: `sigma(t) = sigma_min^(1-t) * sigma_max^t`,
/// `maskedFraction(t) = 1 - exp(-sigma(t))`.
///
/// Mirrors `GeometricNoise` in kuleshov-group/mdlm noise_schedule.py.
///
/// A stateless schedule, it is its own parameter struct.
public struct GeometricSchedule: DescribedSchedule, PluginParameters {
  /// Total noise at `t = 0`.
  public var sigmaMin: Double
  /// Total noise at `t = 1`.
  public var sigmaMax: Double
  /// A geometric schedule between `sigmaMin` and `sigmaMax`.
  public init(sigmaMin: Double, sigmaMax: Double) {
    self.sigmaMin = sigmaMin
    self.sigmaMax = sigmaMax
  }
  /// MDLM's defaults: sigma_min 1e-4, sigma_max 20.
  public init() { self.init(sigmaMin: 1e-4, sigmaMax: 20) }
  /// Its row of `ScheduleRegistry`.
  public static let descriptor = ScheduleDescriptor(
    name: .geometric,
    summary: "Masked fraction 1 - exp(-sigma_min^(1-t) * sigma_max^t) (MDLM/SEDD geometric).",
    parameters: [
      .number("sigma_min", \GeometricSchedule.sigmaMin, help: "geometric schedule sigma_min"),
      .number("sigma_max", \GeometricSchedule.sigmaMax, help: "geometric schedule sigma_max"),
    ],
    validate: { p, _ in
      guard p.sigmaMin > 0, p.sigmaMax > p.sigmaMin, p.sigmaMax.isFinite else {
        throw SamplingError.invalidSetting(
          field: "sigma",
          message: "needs 0 < sigma-min < sigma-max, got \(p.sigmaMin), \(p.sigmaMax)")
      }
    },
    make: { p, _ in p })
  /// `1 - exp(-sigma_min^(1-t) sigma_max^t)`.
  public func maskedFraction(at t: Double) -> Double {
    let sigma = pow(sigmaMin, 1 - t) * pow(sigmaMax, t)
    return -expm1(-sigma)
  }
}

extension ScheduleName {
  /// `GeometricSchedule`.
  public static var geometric: ScheduleName { "geometric" }
}

extension Schedule {
  /// `GeometricSchedule` between `sigmaMin` and `sigmaMax`.
  public static func geometric(sigmaMin: Double, sigmaMax: Double) -> Schedule {
    Schedule(
      GeometricSchedule.descriptor, GeometricSchedule(sigmaMin: sigmaMin, sigmaMax: sigmaMax))
  }
}
