import Foundation

/// The Wilson score interval of a binomial proportion (Wilson, 1927).
///
/// Preferred over the normal ("Wald") interval because it stays inside [0, 1] and keeps close to
/// its nominal coverage at small n and at accuracies near 0 or 1, which is where task evals live
/// (a 50-puzzle slice, a strategy that solves nothing).
public struct WilsonInterval: Codable, Equatable, Sendable {
  /// Lower bound, in [0, 1].
  public var lower: Double
  /// Upper bound, in [0, 1].
  public var upper: Double

  /// The interval for `successes` out of `trials` at normal quantile `z` (1.96: 95%).
  /// With no trials the interval is the whole [0, 1].
  ///
  /// center = (p + z²/2n) / (1 + z²/n), half = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²).
  public init(successes: Int, trials: Int, z: Double = 1.959_963_984_540_054) {
    guard trials > 0 else {
      lower = 0
      upper = 1
      return
    }
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let denominator = 1 + z2 / n
    let center = (p + z2 / (2 * n)) / denominator
    let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    lower = max(0, center - half)
    upper = min(1, center + half)
  }

  /// `[lower, upper]`, as reports print it.
  public var array: [Double] { [lower, upper] }
}
