import Foundation

/// The geometric schedule of SEDD/MDLM: `sigma(t) = sigma_min^(1-t) * sigma_max^t`,
/// `maskedFraction(t) = 1 - exp(-sigma(t))`.
///
/// Mirrors `GeometricNoise` in kuleshov-group/mdlm noise_schedule.py.
public struct GeometricSchedule: NoiseSchedule {
  /// Total noise at `t = 0`.
  public var sigmaMin: Double
  /// Total noise at `t = 1`.
  public var sigmaMax: Double
  /// A geometric schedule between `sigmaMin` and `sigmaMax`.
  public init(sigmaMin: Double, sigmaMax: Double) {
    self.sigmaMin = sigmaMin
    self.sigmaMax = sigmaMax
  }
  /// `.geometric`.
  public var name: ScheduleName { .geometric }
  /// `1 - exp(-sigma_min^(1-t) sigma_max^t)`.
  public func maskedFraction(at t: Double) -> Double {
    let sigma = pow(sigmaMin, 1 - t) * pow(sigmaMax, t)
    return -expm1(-sigma)
  }
}
